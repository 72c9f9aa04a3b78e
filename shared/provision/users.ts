/**
 * Makes sure every RBAC user of the request exists with the requested access string.
 * The state machine calls it in a loop until every user is `active`, so each call is a
 * re-check: it creates what is missing, changes what differs once the user is `active`,
 * and otherwise only reports statuses.
 */
import {
  CreateUserCommand,
  type CreateUserCommandInput,
  ModifyUserCommand,
  type User,
} from '@aws-sdk/client-elasticache';
import { findUser } from '../aws/lookups';
import type { ElastiCacheLike, SecretsManagerLike } from '../aws/types';
import { type Clock, systemClock } from '../clock';
import { mapWithConcurrency } from '../concurrency';
import { ConflictError, errorName, type Problem, ResourceNotReady, ValidationError } from '../errors';
import type { Log } from '../logger';
import { managedTags } from '../tags';
import { countCheck, giveUpAfterStatusWaitLimit } from './polling';
import { checkRotationAvailable, scheduleRotations } from './rotationSchedule';
import {
  ensureGeneratedSecret,
  generatedSecretName,
  type Password,
  type RandomBytes,
  readPasswordSecret,
  resolveSecretArn,
} from './secrets';
import type {
  EnsureUsersResult,
  NormalisedRequest,
  NormalisedUser,
  ProvisionState,
  UserOutcome,
} from './state';

export interface EnsureUsersDeps {
  elastiCache: ElastiCacheLike;
  secretsManager: SecretsManagerLike;
  logger: Log;
  randomBytes?: RandomBytes;
  /** The wait for users to become active is bounded in time; the system clock by default. */
  clock?: Pick<Clock, 'now'>;
  /** The deployed rotation function; needed when the request asks for rotation (Rbac.Rotation). */
  rotationFunctionArn?: string | undefined;
}

// Enough to keep a 100-user group well inside a Lambda timeout, few enough not to provoke throttling.
const CONCURRENCY = 4;

/** What the first pass found for one user; nothing has been changed yet. */
type Plan =
  | { kind: 'create'; user: NormalisedUser; given?: { arn: string; password: Password } }
  | { kind: 'existing'; user: NormalisedUser; current: User; secretArn?: string };

export async function ensureUsers(deps: EnsureUsersDeps, state: ProvisionState): Promise<EnsureUsersResult> {
  const { request } = state;
  const now = (deps.clock ?? systemClock).now();
  const rbac = request.Rbac;
  if (!rbac) {
    deps.logger.info('No RBAC users requested');
    return { Users: [], AllActive: true, Created: [], Modified: [], Checks: 1, FirstCheckedAt: now };
  }
  const previous = state.users;
  checkRotationAvailable(deps, request);

  // First pass reads only, so a conflict or an unusable secret fails the run before anything changes.
  const plans = await mapWithConcurrency(rbac.Users, CONCURRENCY, (user) => planUser(deps, state, user));
  checkPlans(plans, request.Engine);

  const done = await mapWithConcurrency(plans, CONCURRENCY, async (plan) => {
    if (plan.kind === 'create') {
      return { outcome: await createUser(deps, state, plan.user, plan.given), created: true, changed: false };
    }
    return { ...(await reconcileUser(deps, plan, previous?.Modified ?? [])), created: false };
  });
  const outcomes = done.map((item) => item.outcome);
  const created = done.filter((item) => item.created).map((item) => item.outcome.UserId);
  const modified = done.filter((item) => item.changed).map((item) => item.outcome.UserId);

  const result: EnsureUsersResult = {
    Users: outcomes,
    AllActive: outcomes.every((outcome) => outcome.Status === 'active'),
    Created: union(previous?.Created, created),
    Modified: union(previous?.Modified, modified),
    ...countCheck(previous, now),
  };
  // Once per execution: the pass that finds every user active is the last one.
  if (result.AllActive) await scheduleRotations(deps, request, outcomes);
  giveUpAfterStatusWaitLimit(result.AllActive, result, now, (minutes) => {
    const waiting = outcomes.filter((outcome) => outcome.Status !== 'active');
    return `Users still not active after ${minutes} minutes: ${waiting.map((u) => `${u.UserId} (${u.Status})`).join(', ')}`;
  });
  deps.logger.info('Users checked', {
    AllActive: result.AllActive,
    Statuses: Object.fromEntries(outcomes.map((outcome) => [outcome.UserId, outcome.Status])),
    Created: result.Created,
    Modified: result.Modified,
  });
  return result;
}

async function planUser(deps: EnsureUsersDeps, state: ProvisionState, user: NormalisedUser): Promise<Plan> {
  const current = await findUser(deps.elastiCache, user.UserId);
  if (current === undefined) {
    if (user.AuthenticationType !== 'password' || user.PasswordSecretId === undefined) {
      return { kind: 'create', user };
    }
    const read = await readPasswordSecret(deps.secretsManager, user.PasswordSecretId);
    if (!read.ok) throw unusableSecret(user, read.problem, read.cause);
    return { kind: 'create', user, given: { arn: read.arn, password: read.password } };
  }
  if (current.Status === 'deleting' || user.AuthenticationType !== 'password') {
    return { kind: 'existing', user, current };
  }
  return { kind: 'existing', user, current, secretArn: await existingSecretArn(deps, state, user) };
}

/** Where the password of a user that already exists is kept, as far as the workflow knows. */
async function existingSecretArn(
  deps: EnsureUsersDeps,
  state: ProvisionState,
  user: NormalisedUser,
): Promise<string | undefined> {
  const known = state.users?.Users.find((outcome) => outcome.UserId === user.UserId)?.PasswordSecretArn;
  if (known !== undefined) return known;
  if (user.PasswordSecretId !== undefined) {
    const arn = await resolveSecretArn(deps.secretsManager, user.PasswordSecretId);
    if (arn === undefined)
      throw unusableSecret(user, 'Secrets Manager has no such secret (or it is being deleted)');
    return arn;
  }
  const userGroupId = state.request.Rbac?.UserGroupId ?? '';
  const arn = await resolveSecretArn(deps.secretsManager, generatedSecretName(userGroupId, user.UserId));
  if (arn === undefined) {
    // Created outside this workflow: its password is known only to whoever created it.
    deps.logger.warn('Existing user has no secret managed by this workflow', { UserId: user.UserId });
  }
  return arn;
}

function unusableSecret(user: NormalisedUser, problem: string, cause?: unknown): ValidationError {
  const problems: Problem[] = [
    {
      field: `Rbac.Users[${user.UserId}].PasswordSecretId`,
      message: `secret ${user.PasswordSecretId} of user ${user.UserId} cannot be used: ${problem}`,
    },
  ];
  return new ValidationError(problems, { cause });
}

/** Existing users are kept, never renamed or moved to another engine: a mismatch stops the run. */
function checkPlans(plans: Plan[], engine: string): void {
  const conflicts: string[] = [];
  const deleting: string[] = [];
  for (const plan of plans) {
    if (plan.kind !== 'existing') continue;
    const { user, current } = plan;
    if (current.Status === 'deleting') {
      deleting.push(user.UserId);
      continue;
    }
    if (current.UserName !== undefined && current.UserName !== user.UserName) {
      conflicts.push(
        `user ${user.UserId} exists with UserName "${current.UserName}", not "${user.UserName}"`,
      );
    }
    if (current.Engine !== undefined && current.Engine.toLowerCase() !== engine) {
      conflicts.push(`user ${user.UserId} exists for engine ${current.Engine}, not ${engine}`);
    }
    // DescribeUsers says "no-password" for what CreateUser calls "no-password-required".
    const authType = current.Authentication?.Type?.replace(/^no-password$/, 'no-password-required');
    // The managed default user lets nobody in either way; earlier releases gave it a password.
    if (authType !== undefined && authType !== user.AuthenticationType && !user.ManagedDefault) {
      conflicts.push(
        `user ${user.UserId} exists with authentication ${authType}, not ${user.AuthenticationType}`,
      );
    }
  }
  if (conflicts.length > 0) {
    throw new ConflictError(
      `Existing users differ from the request (nothing was changed): ${conflicts.join('; ')}`,
    );
  }
  if (deleting.length > 0) {
    throw new ResourceNotReady(`Users being deleted, to be created again once gone: ${deleting.join(', ')}`);
  }
}

async function createUser(
  deps: EnsureUsersDeps,
  state: ProvisionState,
  user: NormalisedUser,
  given: { arn: string; password: Password } | undefined,
): Promise<UserOutcome> {
  const { request } = state;
  let secret = given;
  if (user.AuthenticationType === 'password' && secret === undefined) {
    const userGroupId = request.Rbac?.UserGroupId ?? '';
    const name = generatedSecretName(userGroupId, user.UserId);
    const generated = await ensureGeneratedSecret(deps, {
      name,
      userName: user.UserName,
      description: `Password of ElastiCache user ${user.UserId} (user group ${userGroupId})`,
      tags: managedTags(request),
    });
    deps.logger.info(generated.created ? 'Secret created' : 'Existing secret reused', {
      UserId: user.UserId,
      SecretArn: generated.arn,
    });
    secret = generated;
  }
  let out: { Status?: string };
  try {
    out = await deps.elastiCache.send(
      new CreateUserCommand(createUserParams(request, user, secret ? [secret.password.reveal()] : [])),
    );
  } catch (err) {
    // Another execution created it between our describe and our create: the state machine
    // retries this step, which then finds the user and checks it like any existing one.
    if (errorName(err) === 'UserAlreadyExistsFault') {
      throw new ResourceNotReady(`User ${user.UserId} was created concurrently; checking it again`, {
        cause: err,
      });
    }
    throw err;
  }
  const status = out.Status ?? 'creating';
  deps.logger.info('User created', { UserId: user.UserId, Status: status });
  return outcome(user, status, secret?.arn);
}

/** The exact CreateUser parameters for a user of the request; also what `--plan` shows (with a placeholder password). */
export function createUserParams(
  request: NormalisedRequest,
  user: NormalisedUser,
  passwords: string[],
): CreateUserCommandInput {
  return {
    UserId: user.UserId,
    UserName: user.UserName,
    Engine: request.Engine,
    AccessString: user.AccessString,
    AuthenticationMode:
      user.AuthenticationType === 'password'
        ? { Type: 'password', Passwords: passwords }
        : { Type: user.AuthenticationType },
    Tags: managedTags(request),
  };
}

async function reconcileUser(
  deps: EnsureUsersDeps,
  plan: Extract<Plan, { kind: 'existing' }>,
  alreadyModified: string[],
): Promise<{ outcome: UserOutcome; changed: boolean }> {
  const { user, current, secretArn } = plan;
  const status = current.Status ?? 'unknown';
  if (sameAccessString(current.AccessString, user.AccessString)) {
    return { outcome: outcome(user, status, secretArn), changed: false };
  }
  if (alreadyModified.includes(user.UserId)) {
    // ElastiCache may report a rewritten form of what this run already set; modifying again would loop forever.
    deps.logger.warn('Access string reported differently after modification; not modifying again', {
      UserId: user.UserId,
      Status: status,
    });
    return { outcome: outcome(user, status, secretArn), changed: false };
  }
  if (status !== 'active') {
    deps.logger.info('User not active yet; access string to be changed on a later check', {
      UserId: user.UserId,
      Status: status,
    });
    return { outcome: outcome(user, status, secretArn), changed: false };
  }
  // AccessString only: passwords of an existing user are never touched.
  const out = await deps.elastiCache.send(
    new ModifyUserCommand({ UserId: user.UserId, AccessString: user.AccessString }),
  );
  const newStatus = out.Status ?? 'modifying';
  deps.logger.info('User access string modified', { UserId: user.UserId, Status: newStatus });
  return { outcome: outcome(user, newStatus, secretArn), changed: true };
}

function sameAccessString(actual: string | undefined, wanted: string): boolean {
  const normalise = (text: string) => text.trim().split(/\s+/).join(' ');
  return actual !== undefined && normalise(actual) === normalise(wanted);
}

function outcome(user: NormalisedUser, status: string, secretArn: string | undefined): UserOutcome {
  return {
    UserId: user.UserId,
    UserName: user.UserName,
    Status: status,
    ...(secretArn === undefined ? {} : { PasswordSecretArn: secretArn }),
  };
}

function union(previous: string[] | undefined, now: string[]): string[] {
  return [...new Set([...(previous ?? []), ...now])];
}
