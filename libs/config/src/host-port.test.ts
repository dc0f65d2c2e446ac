import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostPort, joinHostPort, reachableHost, splitHostPort } from './host-port.js';

test('host:port is read as Go reads it', () => {
  assert.deepEqual(splitHostPort(':5000'), { host: '', port: 5000 });
  assert.deepEqual(splitHostPort('127.0.0.1:6379'), { host: '127.0.0.1', port: 6379 });
  assert.deepEqual(splitHostPort('[::1]:5001'), { host: '::1', port: 5001 });
  assert.deepEqual(splitHostPort('redis.example.com:0'), { host: 'redis.example.com', port: 0 });
  for (const bad of ['5000', '::1:5000', 'host:', 'host:65536', 'a b:1', 'host:port']) {
    assert.equal(splitHostPort(bad), undefined, bad);
  }
});

test('a bare host takes the default port only when one is given', () => {
  assert.deepEqual(hostPort('redis', 6379), { host: 'redis', port: 6379 });
  assert.throws(() => hostPort('redis'), /not a host:port/);
});

test('wildcards are reached on loopback; IPv6 hosts are bracketed again', () => {
  assert.equal(reachableHost(''), '127.0.0.1');
  assert.equal(reachableHost('::', 'localhost'), 'localhost');
  assert.equal(reachableHost('10.0.0.5'), '10.0.0.5');
  assert.equal(joinHostPort('::1', 5000), '[::1]:5000');
  assert.equal(joinHostPort('example.com', 80), 'example.com:80');
});
