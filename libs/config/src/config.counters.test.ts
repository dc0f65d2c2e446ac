import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MINIMAL, parse, rejects } from './config.test-helpers.js';

describe('counters', () => {
  test('defaults: HEAD does not count, nobody is excluded', () => {
    assert.deepEqual(parse(MINIMAL).counters, { countHead: false, excludeActors: [], excludeUserAgents: [] });
    assert.deepEqual(parse(`${MINIMAL}counters:\n`).counters, { countHead: false, excludeActors: [], excludeUserAgents: [] });
  });

  test('counthead, actor globs and user-agent patterns', () => {
    const config = parse(`${MINIMAL}counters:
  counthead: true
  excludeactors: [trivy, "robot$*", mirror-?]
  excludeuseragents:
    - ^Trivy/
    - "[Hh]arbor"
`);
    assert.deepEqual(config.counters, {
      countHead: true,
      excludeActors: ['trivy', 'robot$*', 'mirror-?'],
      excludeUserAgents: ['^Trivy/', '[Hh]arbor'],
    });
  });

  test('a single actor may be written as a string; env overrides apply', () => {
    assert.deepEqual(parse(`${MINIMAL}counters:\n  excludeactors: scanner\n`).counters.excludeActors, ['scanner']);
    assert.equal(parse(MINIMAL, { REGISTRY_COUNTERS_COUNTHEAD: 'true' }).counters.countHead, true);
  });

  test('an invalid user-agent pattern or an unknown key stops start-up', () => {
    rejects(`${MINIMAL}counters:\n  excludeuseragents: ["(unclosed"]\n`, {}, /counters\.excludeuseragents\[0\]: invalid regular expression/);
    rejects(`${MINIMAL}counters:\n  countheads: true\n`, {}, /countheads/);
    rejects(`${MINIMAL}counters:\n  counthead: maybe\n`, {}, /counters\.counthead/);
  });
});

describe('database tuning keys', () => {
  test('schema and poolsize, with a URL or with parts', () => {
    assert.deepEqual(parse(`${MINIMAL}database:\n  url: postgres://u:p@db/wharf\n  schema: wharf_t1\n  poolsize: 4\n`).database, {
      url: 'postgres://u:p@db/wharf',
      schema: 'wharf_t1',
      poolSize: 4,
    });
    assert.deepEqual(parse(`${MINIMAL}database:\n  host: db\n  schema: counters\n`).database, { host: 'db', port: 5432, schema: 'counters' });
  });

  test('a schema must be a plain identifier; poolsize must be positive', () => {
    rejects(`${MINIMAL}database:\n  host: db\n  schema: "x; drop table y"\n`, {}, /database\.schema: expected a lower-case SQL identifier/);
    rejects(`${MINIMAL}database:\n  host: db\n  poolsize: 0\n`, {}, /database\.poolsize/);
  });
});
