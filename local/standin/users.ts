/**
 * RBAC users and user groups: CreateUser, DescribeUsers, ModifyUser, DeleteUser and the same
 * four for user groups, with the checks and status progressions of the service.
 */
import { isAcceptablePassword, PASSWORD_RULE } from '../../shared/passwordRule';
import type { QueryContext, QueryOperation } from './context';
import { checkAccessString, compareVersions, type Engine, normaliseUserId, parseEngine } from './rules';
import { mergeTags, pagedList, userGroupShape, userShape } from './shapes';
import {
  ACCOUNT_ID,
  type AuthenticationType,
  type Store,
  type UserGroupRecord,
  type UserRecord,
} from './store';
import { ec, type QueryParams } from './wire';

interface Authentication {
  type: AuthenticationType;
  passwords: string[];
}

/**
 * Passwords come either as `Passwords`/`NoPasswordRequired` or as `AuthenticationMode`, never both.
 * `undefined`: the request changes nothing about authentication (ModifyUser only).
 */
function readAuthentication(params: QueryParams): Authentication | undefined {
  const passwords = params.list('Passwords');
  const noPasswordRequired = params.boolean('NoPasswordRequired');
  const modeType = params.string('AuthenticationMode.Type');
  const modePasswords = params.list('AuthenticationMode.Passwords') ?? [];

  let authentication: Authentication | undefined;
  if (modeType !== undefined) {
    if ((passwords?.length ?? 0) > 0 || noPasswordRequired !== undefined) {
      throw ec.invalidParameterCombination(
        'AuthenticationMode cannot be combined with Passwords or NoPasswordRequired.',
      );
    }
    if (modeType === 'password') {
      if (modePasswords.length === 0) {
        throw ec.invalidParameterValue('AuthenticationMode of type password requires Passwords.');
      }
      authentication = { type: 'password', passwords: modePasswords };
    } else if (modeType === 'no-password-required' || modeType === 'iam') {
      if (modePasswords.length > 0) {
        throw ec.invalidParameterCombination(
          `Passwords are not allowed with AuthenticationMode ${modeType}.`,
        );
      }
      authentication = { type: modeType === 'iam' ? 'iam' : 'no-password', passwords: [] };
    } else {
      throw ec.invalidParameterValue(
        `Invalid AuthenticationMode type ${modeType}: the options are password, no-password-required or iam.`,
      );
    }
  } else if (noPasswordRequired === true) {
    if ((passwords?.length ?? 0) > 0) {
      throw ec.invalidParameterCombination('Passwords cannot be provided when NoPasswordRequired is true.');
    }
    authentication = { type: 'no-password', passwords: [] };
  } else if ((passwords?.length ?? 0) > 0) {
    authentication = { type: 'password', passwords: passwords ?? [] };
  }

  if (authentication) {
    if (authentication.passwords.length > 2) {
      throw ec.invalidParameterValue('A user can have at most two passwords.');
    }
    for (const password of authentication.passwords) {
      if (!isAcceptablePassword(password))
        throw ec.invalidParameterValue(`Passwords must be ${PASSWORD_RULE}.`);
    }
  }
  return authentication;
}

function minimumEngineVersion(engine: Engine, accessStringMinimum: string, type: AuthenticationType): string {
  let minimum = accessStringMinimum;
  if (type === 'iam' && compareVersions('7.0', minimum) > 0) minimum = '7.0';
  if (engine === 'valkey' && compareVersions('7.2', minimum) > 0) minimum = '7.2';
  return minimum;
}

function checkIamUserName(userId: string, userName: string, type: AuthenticationType): void {
  if (type === 'iam' && userName !== userId) {
    throw ec.invalidParameterValue('For IAM authentication the UserName must be the same as the UserId.');
  }
}

function arn(context: QueryContext, kind: 'user' | 'usergroup', id: string): string {
  return `arn:aws:elasticache:${context.region}:${ACCOUNT_ID}:${kind}:${id}`;
}

function findUser(context: QueryContext, userId: string): UserRecord {
  const user = context.store.users.get(userId);
  if (!user) throw ec.userNotFound(userId);
  return user;
}

function findUserGroup(context: QueryContext, userGroupId: string): UserGroupRecord {
  const group = context.store.userGroups.get(userGroupId);
  if (!group) throw ec.userGroupNotFound(userGroupId);
  return group;
}

const createUser: QueryOperation = (context) => {
  const { params, store } = context;
  const userId = normaliseUserId(params.required('UserId'), 'UserId');
  const userName = params.required('UserName');
  const engine = parseEngine(params.string('Engine'));
  const accessString = params.required('AccessString');
  const accessStringMinimum = checkAccessString(accessString);
  const authentication = readAuthentication(params);
  if (!authentication) {
    throw ec.invalidParameterValue(
      'No password was provided: use Passwords, NoPasswordRequired or AuthenticationMode.',
    );
  }
  checkIamUserName(userId, userName, authentication.type);
  const tags = mergeTags([], params.tags() ?? []);

  if (store.users.has(userId)) throw ec.userAlreadyExists(userId);
  // The built-in `default` user does not count against the quota.
  if (store.users.size - 1 >= store.options.quotas.users) throw ec.userQuotaExceeded();

  const user: UserRecord = {
    userId,
    userName,
    engine,
    accessString,
    authenticationType: authentication.type,
    passwordCount: authentication.passwords.length,
    minimumEngineVersion: minimumEngineVersion(engine, accessStringMinimum, authentication.type),
    status: 'creating',
    arn: arn(context, 'user', userId),
    tags,
  };
  store.users.set(userId, user);
  store.passwords.set(userId, authentication.passwords);
  activeAfter(store, `user:${userId}`, store.options.delays.userCreateMs, user);
  return userShape(store, user);
};

/** A user or user group being created or modified turns active once the service's delay has passed (and `work` is done). */
function activeAfter(
  store: Store,
  key: string,
  delayMs: number,
  record: UserRecord | UserGroupRecord,
  work?: () => Promise<void>,
): void {
  store.schedule(key, {
    readyAt: store.now() + delayMs,
    ...(work ? { work } : {}),
    finish: () => {
      record.status = 'active';
    },
  });
}

const describeUsers: QueryOperation = (context) => {
  const { params, store } = context;
  const engine = params.string('Engine')?.toLowerCase();
  const userId = params.string('UserId')?.toLowerCase();
  const filters =
    params.structList('Filters', 'member', (prefix) => ({
      name: params.string(`${prefix}Name`) ?? '',
      values: params.list(`${prefix}Values`) ?? [],
    })) ?? [];

  if (userId !== undefined && !store.users.has(userId)) throw ec.userNotFound(userId);
  let users = [...store.users.values()];
  if (userId !== undefined) users = users.filter((user) => user.userId === userId);
  if (engine !== undefined) users = users.filter((user) => user.engine === engine);
  for (const filter of filters) {
    if (filter.name !== 'user-id') throw ec.invalidParameterValue(`Invalid filter name ${filter.name}.`);
    const wanted = filter.values.map((value) => value.toLowerCase());
    users = users.filter((user) => wanted.includes(user.userId));
  }
  return pagedList(users, params, 'Users', 'member', (user) => userShape(store, user));
};

const modifyUser: QueryOperation = (context) => {
  const { params, store } = context;
  const userId = normaliseUserId(params.required('UserId'), 'UserId');
  const accessString = params.string('AccessString');
  const appendAccessString = params.string('AppendAccessString');
  const engineParam = params.string('Engine');
  const authentication = readAuthentication(params);
  const user = findUser(context, userId);

  if (userId === 'default') throw ec.invalidParameterValue('The default user cannot be modified.');
  if (user.status !== 'active') throw ec.invalidUserState(`User ${userId} has status ${user.status}.`);
  if (accessString !== undefined && appendAccessString !== undefined) {
    throw ec.invalidParameterCombination('AccessString and AppendAccessString cannot both be provided.');
  }
  if (accessString === undefined && appendAccessString === undefined && !authentication && !engineParam) {
    throw ec.invalidParameterCombination('No modifications were requested.');
  }

  const nextAccessString =
    accessString ??
    (appendAccessString === undefined ? user.accessString : `${user.accessString} ${appendAccessString}`);
  const accessStringMinimum = checkAccessString(nextAccessString);
  let engine = user.engine;
  if (engineParam !== undefined) {
    engine = parseEngine(engineParam);
    if (user.engine === 'valkey' && engine === 'redis') {
      throw ec.invalidParameterCombination('A valkey user cannot be changed back to redis.');
    }
  }
  const type = authentication?.type ?? user.authenticationType;
  checkIamUserName(userId, user.userName, type);

  user.accessString = nextAccessString;
  user.engine = engine;
  user.minimumEngineVersion = minimumEngineVersion(engine, accessStringMinimum, type);
  if (authentication) {
    user.authenticationType = authentication.type;
    user.passwordCount = authentication.passwords.length;
    store.passwords.set(userId, authentication.passwords);
  }
  user.status = 'modifying';
  // The change reaches the nodes before the user is active again.
  activeAfter(store, `user:${userId}`, store.options.delays.userModifyMs, user, () =>
    store.syncUserGroups(store.userGroupsContaining(userId).map((group) => group.userGroupId)),
  );
  return userShape(store, user);
};

const deleteUser: QueryOperation = (context) => {
  const { params, store } = context;
  const userId = normaliseUserId(params.required('UserId'), 'UserId');
  const user = findUser(context, userId);
  if (userId === 'default') throw ec.invalidParameterValue('The default user cannot be deleted.');
  if (user.status !== 'active') throw ec.invalidUserState(`User ${userId} has status ${user.status}.`);
  const groups = [...store.userGroups.values()].filter(
    (group) => group.userIds.includes(userId) || group.pendingChanges?.userIdsToAdd.includes(userId),
  );
  if (user.userName === 'default' && groups.some((group) => group.engine === 'redis')) {
    throw ec.defaultUserAssociatedToUserGroup(
      `User ${userId} is the default user of a user group; replace it in the user group first.`,
    );
  }

  // A deleted user leaves every user group at once, and so every replication group.
  for (const group of groups) {
    group.userIds = group.userIds.filter((id) => id !== userId);
    if (group.pendingChanges) {
      group.pendingChanges.userIdsToAdd = group.pendingChanges.userIdsToAdd.filter((id) => id !== userId);
    }
  }
  user.status = 'deleting';
  store.track(store.syncUserGroups(groups.map((group) => group.userGroupId)));
  store.schedule(`user:${userId}`, {
    readyAt: store.now() + store.options.delays.userDeleteMs,
    finish: () => {
      store.users.delete(userId);
      store.passwords.delete(userId);
    },
  });
  return userShape(store, user);
};

/**
 * Membership rules: a redis group holds exactly one user named `default`; user names are unique
 * within a group; a valkey group holds only users that authenticate.
 */
function checkMembers(context: QueryContext, engine: Engine, userIds: string[]): void {
  const { store } = context;
  if (new Set(userIds).size !== userIds.length) {
    throw ec.invalidParameterValue('A user can appear only once in a user group.');
  }
  if (userIds.length > store.options.quotas.usersPerUserGroup) {
    throw ec.invalidParameterValue(
      `A user group can have at most ${store.options.quotas.usersPerUserGroup} users.`,
    );
  }
  const users = userIds.map((userId) => {
    const user = store.users.get(userId);
    if (!user || user.status === 'deleting') throw ec.userNotFound(userId);
    return user;
  });
  const names = new Set<string>();
  for (const user of users) {
    if (names.has(user.userName)) {
      throw ec.duplicateUserName(`User name ${user.userName} appears more than once in the user group.`);
    }
    names.add(user.userName);
  }
  if (engine === 'redis' && !names.has('default')) {
    throw ec.defaultUserRequired(
      'A user group of engine redis must contain a user with the user name default.',
    );
  }
  if (engine === 'valkey') {
    const open = users.find((user) => user.authenticationType === 'no-password');
    if (open) {
      throw ec.invalidParameterValue(
        `User ${open.userId} has no password: a valkey user group holds only users with password or IAM authentication.`,
      );
    }
  }
}

function userGroupMinimumVersion(engine: Engine): string {
  return engine === 'valkey' ? '7.2' : '6.0';
}

const createUserGroup: QueryOperation = (context) => {
  const { params, store } = context;
  const userGroupId = normaliseUserId(params.required('UserGroupId'), 'UserGroupId');
  const engine = parseEngine(params.string('Engine'));
  const userIds = (params.list('UserIds') ?? []).map((id) => id.toLowerCase());
  const tags = mergeTags([], params.tags() ?? []);

  if (store.userGroups.has(userGroupId)) throw ec.userGroupAlreadyExists(userGroupId);
  if (store.userGroups.size >= store.options.quotas.userGroups) throw ec.userGroupQuotaExceeded();
  if (userIds.length === 0) throw ec.invalidParameterValue('UserIds must hold at least one user.');
  checkMembers(context, engine, userIds);

  const group: UserGroupRecord = {
    userGroupId,
    engine,
    status: 'creating',
    userIds,
    minimumEngineVersion: userGroupMinimumVersion(engine),
    arn: arn(context, 'usergroup', userGroupId),
    tags,
  };
  store.userGroups.set(userGroupId, group);
  activeAfter(store, `usergroup:${userGroupId}`, store.options.delays.userGroupCreateMs, group);
  return userGroupShape(store, group);
};

const describeUserGroups: QueryOperation = (context) => {
  const { params, store } = context;
  const userGroupId = params.string('UserGroupId')?.toLowerCase();
  if (userGroupId !== undefined) findUserGroup(context, userGroupId);
  const groups = [...store.userGroups.values()].filter(
    (group) => userGroupId === undefined || group.userGroupId === userGroupId,
  );
  return pagedList(groups, params, 'UserGroups', 'member', (group) => userGroupShape(store, group));
};

const modifyUserGroup: QueryOperation = (context) => {
  const { params, store } = context;
  const userGroupId = normaliseUserId(params.required('UserGroupId'), 'UserGroupId');
  const toAdd = (params.list('UserIdsToAdd') ?? []).map((id) => id.toLowerCase());
  const toRemove = (params.list('UserIdsToRemove') ?? []).map((id) => id.toLowerCase());
  const engineParam = params.string('Engine');
  const group = findUserGroup(context, userGroupId);

  if (group.status !== 'active') {
    throw ec.invalidUserGroupState(`User group ${userGroupId} has status ${group.status}.`);
  }
  let engine = group.engine;
  if (engineParam !== undefined) {
    engine = parseEngine(engineParam);
    if (group.engine === 'valkey' && engine === 'redis') {
      throw ec.invalidParameterCombination('A valkey user group cannot be changed back to redis.');
    }
  }
  if (toAdd.length === 0 && toRemove.length === 0 && engine === group.engine) {
    throw ec.invalidParameterCombination('No modifications were requested.');
  }
  if (toAdd.some((id) => toRemove.includes(id))) {
    throw ec.invalidParameterCombination('A user cannot be both added to and removed from the user group.');
  }
  for (const userId of toAdd) {
    const user = store.users.get(userId);
    if (!user || user.status === 'deleting') throw ec.userNotFound(userId);
    if (group.userIds.includes(userId)) {
      throw ec.invalidParameterValue(`User ${userId} is already a member of user group ${userGroupId}.`);
    }
  }
  for (const userId of toRemove) {
    if (!group.userIds.includes(userId)) {
      throw ec.invalidParameterValue(`User ${userId} is not a member of user group ${userGroupId}.`);
    }
  }
  const nextUserIds = [...group.userIds.filter((id) => !toRemove.includes(id)), ...toAdd];
  checkMembers(context, engine, nextUserIds);

  group.status = 'modifying';
  group.pendingChanges = { userIdsToAdd: toAdd, userIdsToRemove: toRemove };
  const modifyingMs = context.faults.userGroupModifyingMs() ?? store.options.delays.userGroupModifyMs;
  store.schedule(`usergroup:${userGroupId}`, {
    readyAt: store.now() + modifyingMs,
    work: () => {
      const pending = group.pendingChanges ?? { userIdsToAdd: [], userIdsToRemove: [] };
      group.userIds = [
        ...group.userIds.filter((id) => !pending.userIdsToRemove.includes(id)),
        ...pending.userIdsToAdd.filter((id) => store.users.has(id)),
      ];
      group.engine = engine;
      group.minimumEngineVersion = userGroupMinimumVersion(engine);
      // The nodes hold the new users before the group is active again.
      return store.syncUserGroups([userGroupId]);
    },
    finish: () => {
      delete group.pendingChanges;
      group.status = 'active';
    },
  });
  return userGroupShape(store, group);
};

const deleteUserGroup: QueryOperation = (context) => {
  const { params, store } = context;
  const userGroupId = normaliseUserId(params.required('UserGroupId'), 'UserGroupId');
  const group = findUserGroup(context, userGroupId);
  const attached = store.replicationGroupsUsing(userGroupId);
  if (attached.length > 0) {
    throw ec.invalidUserGroupState(
      `User group ${userGroupId} is associated with replication group ${attached.map((rg) => rg.replicationGroupId).join(', ')}.`,
    );
  }
  if (group.status !== 'active') {
    throw ec.invalidUserGroupState(`User group ${userGroupId} has status ${group.status}.`);
  }
  group.status = 'deleting';
  store.schedule(`usergroup:${userGroupId}`, {
    readyAt: store.now() + store.options.delays.userGroupDeleteMs,
    finish: () => {
      store.userGroups.delete(userGroupId);
    },
  });
  return userGroupShape(store, group);
};

export const userOperations: Record<string, QueryOperation> = {
  CreateUser: createUser,
  DescribeUsers: describeUsers,
  ModifyUser: modifyUser,
  DeleteUser: deleteUser,
  CreateUserGroup: createUserGroup,
  DescribeUserGroups: describeUserGroups,
  ModifyUserGroup: modifyUserGroup,
  DeleteUserGroup: deleteUserGroup,
};
