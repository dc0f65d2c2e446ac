import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bodyContext, SAMPLE_TEMPLATE_VALUES, WebhookTemplate } from './webhook.template.js';

const values = { ...SAMPLE_TEMPLATE_VALUES, tag: 'v1 "quoted"\n&x=1', actor: 'a\r\nX-Evil: 1' };

describe('WebhookTemplate', () => {
  test('substitutes known placeholders, tolerating spaces inside the braces', () => {
    const t = WebhookTemplate.of('{{repository}}:{{ tag }}');
    assert.deepEqual(t.variables, ['repository', 'tag']);
    assert.equal(t.render(SAMPLE_TEMPLATE_VALUES, 'text'), 'team/app:v1.2.3');
  });

  test('escapes for where the value lands', () => {
    const t = WebhookTemplate.of('{{tag}}');
    assert.equal(t.render(values, 'url'), 'v1%20%22quoted%22%0A%26x%3D1');
    assert.equal(t.render(values, 'form'), 'v1+%22quoted%22%0A%26x%3D1');
    assert.equal(JSON.parse(`{"tag":"${t.render(values, 'json')}"}`).tag, values.tag);
    assert.equal(WebhookTemplate.of('{{actor}}').render(values, 'header'), 'a  X-Evil: 1');
  });

  test('unknown and malformed placeholders are refused with the known names', () => {
    const unknown = WebhookTemplate.parse('{{tagg}}');
    assert.ok(!unknown.ok && /unknown placeholder \{\{tagg\}\}; known: repository, tag/.test(unknown.message));
    const malformed = WebhookTemplate.parse('x {{ tag');
    assert.ok(!malformed.ok && /malformed placeholder at offset 2/.test(malformed.message));
    assert.ok(!WebhookTemplate.parse('{{constructor}}').ok, 'no prototype names');
  });

  test('a single brace and text without placeholders pass through', () => {
    assert.equal(WebhookTemplate.of('{"a": {"b": 1}}').render(values, 'json'), '{"a": {"b": 1}}');
  });

  test('body context from the content type', () => {
    assert.equal(bodyContext('application/json'), 'json');
    assert.equal(bodyContext('application/vnd.github+json; charset=utf-8'), 'json');
    assert.equal(bodyContext('application/x-www-form-urlencoded'), 'form');
    assert.equal(bodyContext('text/plain'), 'text');
  });
});
