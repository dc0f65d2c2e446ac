import assert from 'node:assert/strict';

/** GET `url`; the body parsed as JSON (undefined when empty), whatever the status. */
export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** GET `url`, which must answer 200; its JSON body. */
export async function okJson(url: string): Promise<any> {
  const { status, body } = await getJson(url);
  assert.equal(status, 200, `${url}: ${JSON.stringify(body)}`);
  return body;
}
