import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AccessPolicy } from './access.policy.js';
import { repositoryGlob } from './repository-glob.js';

const policy = new AccessPolicy({
  groups: { devs: ['alice', 'bob'], ops: ['carol'] },
  admins: ['alice', 'group:ops'],
  rules: [
    { repositories: ['public/**'], users: ['*', 'anonymous'], actions: ['pull'] },
    { repositories: ['team/*'], users: ['group:devs'], actions: ['pull', 'push'] },
    { repositories: ['team/*'], users: ['bob'], actions: ['delete'] },
    { repositories: ['dave/**'], users: ['dave'], actions: ['pull', 'push', 'delete'] },
  ],
});

describe('repositoryGlob', () => {
  test('* stays within a component, ** crosses them', () => {
    assert.ok(repositoryGlob('team/*').test('team/app'));
    assert.ok(!repositoryGlob('team/*').test('team/app/api'));
    assert.ok(!repositoryGlob('team/*').test('team'));
    assert.ok(repositoryGlob('public/**').test('public/a/b/c'));
    assert.ok(!repositoryGlob('public/**').test('publicity/a'));
    assert.ok(repositoryGlob('a.b').test('a.b') && !repositoryGlob('a.b').test('axb'), 'dots are literal');
    assert.ok(repositoryGlob('**').test('anything/at/all'));
  });
});

describe('AccessPolicy with an access section', () => {
  const cases: [string | undefined, string, 'pull' | 'push' | 'delete', boolean][] = [
    [undefined, 'public/busybox', 'pull', true],
    [undefined, 'public/busybox', 'push', false],
    [undefined, 'team/app', 'pull', false],
    ['eve', 'public/a/b', 'pull', true],
    ['eve', 'team/app', 'pull', false],
    ['bob', 'team/app', 'push', true],
    ['bob', 'team/app', 'delete', true],
    ['bob', 'team/app/api', 'pull', false],
    ['carol', 'team/app', 'delete', true],
    ['alice', 'anything', 'delete', true],
    ['dave', 'dave/x', 'delete', true],
    ['dave', 'team/app', 'pull', false],
    ['anonymous', 'team/app', 'pull', false],
  ];
  for (const [user, repository, action, expected] of cases) {
    test(`${user ?? '(no credentials)'} ${expected ? 'may' : 'may not'} ${action} ${repository}`, () => {
      assert.equal(policy.allows(user, repository, action), expected);
    });
  }

  test('rules add up: grantedActions is the union of matching rules', () => {
    assert.deepEqual([...policy.grantedActions('bob', 'team/app')].sort(), ['delete', 'pull', 'push']);
    assert.deepEqual([...policy.grantedActions(undefined, 'public/x')], ['pull']);
  });

  test('admins are users and members of admin groups; only they list the catalog', () => {
    assert.equal(policy.isAdmin('alice'), true);
    assert.equal(policy.isAdmin('carol'), true);
    assert.equal(policy.isAdmin('bob'), false);
    assert.equal(policy.isAdmin(undefined), false);
    assert.equal(policy.canListCatalog('carol'), true);
    assert.equal(policy.canListCatalog('bob'), false);
    assert.equal(policy.canListCatalog(undefined), false);
  });

  test('a user literally named "*" is not every user', () => {
    assert.equal(new AccessPolicy({ groups: {}, admins: [], rules: [{ repositories: ['x'], users: ['bob'], actions: ['pull'] }] }).allows('*', 'x', 'pull'), false);
  });
});

describe('AccessPolicy without an access section', () => {
  const open = new AccessPolicy(undefined);
  test('every signed-in user may do everything and is an admin; no credentials may do nothing', () => {
    assert.equal(open.allows('anyone', 'x/y', 'delete'), true);
    assert.equal(open.isAdmin('anyone'), true);
    assert.equal(open.canListCatalog('anyone'), true);
    assert.equal(open.allows(undefined, 'x/y', 'pull'), false);
    assert.equal(open.canListCatalog(undefined), false);
  });
});
