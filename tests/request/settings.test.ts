import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EVENTS_PER_CHECKING_TURN,
  EXECUTION_TIMEOUT_SECONDS,
  POLLING_BOUNDS,
  POLLING_DEFAULTS,
  pollingLimitProblem,
} from '../../shared/provision/polling';
import { maintenanceInterval, snapshotInterval } from '../../shared/request/settingRules';
import { acceptedRequest, projectPath, readJson, rejectionOf, requestFixture } from './support';

interface AslState {
  Type: string;
  Next?: string;
  Default?: string;
  SecondsPath?: string;
  Choices?: { Next: string }[];
}
const asl = JSON.parse(readFileSync(projectPath('statemachines/provision.asl.json'), 'utf8')) as {
  TimeoutSeconds: number;
  States: Record<string, AslState>;
};

/** History events a state adds each time it runs (entered + exited, plus scheduled/started/succeeded for a Task). */
const EVENTS_BY_TYPE: Record<string, number> = { Task: 5, Wait: 2, Pass: 2, Choice: 2 };

describe('the optional replication group settings', () => {
  it('accepts the production sample and carries every setting, with defaults it explains', () => {
    // Act
    const request = acceptedRequest(readJson('events/production-settings.json'));

    // Assess
    expect(request).toMatchObject({
      KmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      PreferredMaintenanceWindow: 'sun:23:00-mon:01:30',
      SnapshotWindow: '03:00-04:00',
      NotificationTopicArn: 'arn:aws:sns:eu-west-1:123456789012:cache-events',
      Port: 6380,
      TransitEncryptionMode: 'required',
      AutoMinorVersionUpgrade: false,
      DataTieringEnabled: true,
      NetworkType: 'dual_stack',
      IpDiscovery: 'ipv6',
    });
    expect(request.LogDeliveryConfigurations).toHaveLength(2);
    expect(request.Notes).toContain(
      'DataTieringEnabled set to true: cache.r6gd.xlarge is an r6gd node type, which always tiers data',
    );
  });

  it('leaves every setting out when the request gives none, so ElastiCache applies its defaults', () => {
    // Act
    const request = acceptedRequest(requestFixture('minimal'));

    // Assess
    for (const field of [
      'KmsKeyId',
      'Port',
      'NetworkType',
      'IpDiscovery',
      'DataTieringEnabled',
      'SnapshotArns',
    ])
      expect(request, field).not.toHaveProperty(field);
  });

  it('discovers ipv6 addresses on an ipv6-only network unless told otherwise', () => {
    // Act
    const request = acceptedRequest({ ...requestFixture('minimal'), NetworkType: 'ipv6' });

    // Assess
    expect(request.IpDiscovery).toBe('ipv6');
  });

  it('accepts a compatible group restored from S3 files', () => {
    // Act
    const request = acceptedRequest(readJson('events/restore-cluster-mode-compatible.json'));

    // Assess
    expect(request).toMatchObject({
      ClusterMode: 'compatible',
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      SnapshotArns: ['arn:aws:s3:::orders-backups/2026-12-01/orders.rdb'],
    });
  });

  it.each([
    ['sun:23:00-mon:00:00', 23 * 60, 60],
    ['sat:23:30-sun:00:30', 6 * 1440 + 23 * 60 + 30, 60],
  ])('reads maintenance window %s as minutes of the week', (window, start, length) => {
    expect(maintenanceInterval(window)).toEqual({ start, length });
  });

  it('reads a snapshot window across midnight', () => {
    expect(snapshotInterval('23:30-00:30')).toEqual({ start: 23 * 60 + 30, length: 60 });
  });

  it('accepts a snapshot window that ends where the maintenance window starts', () => {
    // Act
    const request = acceptedRequest({
      ...requestFixture('minimal'),
      PreferredMaintenanceWindow: 'tue:05:00-tue:06:00',
      SnapshotWindow: '04:00-05:00',
    });

    // Assess
    expect(request.SnapshotWindow).toBe('04:00-05:00');
  });

  it('finds the overlap of a snapshot window with a maintenance window that wraps the week', () => {
    // Act
    const problems = rejectionOf({
      ...requestFixture('minimal'),
      PreferredMaintenanceWindow: 'sat:23:00-sun:01:00',
      SnapshotWindow: '00:30-01:30',
    });

    // Assess
    expect(problems.map((problem) => problem.field)).toEqual(['SnapshotWindow']);
  });
});

describe('password-less users', () => {
  it('gives a switched-off default user no password unless it names a secret', () => {
    // Prepare
    const request = requestFixture('rbac-redis');
    request.Rbac.DefaultUser = { UserId: 'orders-closed', AccessString: 'off -@all' };

    // Act
    const users = acceptedRequest(request).Rbac?.Users ?? [];

    // Assess
    expect(users.find((user) => user.UserName === 'default')?.AuthenticationType).toBe(
      'no-password-required',
    );
  });

  it('keeps a password for a default user that is switched on', () => {
    // Prepare
    const request = requestFixture('rbac-redis');
    request.Rbac.DefaultUser = { UserId: 'orders-open', AccessString: 'on ~* +@read' };

    // Act
    const users = acceptedRequest(request).Rbac?.Users ?? [];

    // Assess
    expect(users.find((user) => user.UserName === 'default')?.AuthenticationType).toBe('password');
  });

  it('says in Notes that anyone can authenticate as a password-less user that is on', () => {
    // Prepare
    const request = requestFixture('rbac-redis');
    request.Rbac.Users.push({
      UserId: 'orders-public',
      UserName: 'public',
      AccessString: 'on ~public:* +@read',
      AuthenticationType: 'no-password-required',
    });

    // Act
    const { Notes } = acceptedRequest(request);

    // Assess
    expect(Notes).toContain(
      'Rbac.Users[2] (orders-public) needs no password: any client can authenticate as public',
    );
  });
});

describe('polling settings against the limits Step Functions cannot catch', () => {
  it('uses the state machine timeout of statemachines/provision.asl.json', () => {
    expect(EXECUTION_TIMEOUT_SECONDS).toBe(asl.TimeoutSeconds);
  });

  it('counts the history events of one turn of the availability loop as the state machine runs it', () => {
    // Prepare: the Wait fed by the checking function, then along Next/Default back to it.
    const start = Object.entries(asl.States).find(
      ([, state]) => state.SecondsPath === '$.poll.NextWaitSeconds',
    );
    if (!start) throw new Error('no Wait state reads $.poll.NextWaitSeconds');
    let events = 0;
    let name: string | undefined = start[0];
    const seen = new Set<string>();

    // Act
    while (name !== undefined && !seen.has(name)) {
      seen.add(name);
      const state: AslState | undefined = asl.States[name];
      if (!state) throw new Error(`unknown state ${name}`);
      events += EVENTS_BY_TYPE[state.Type] ?? 0;
      name = state.Next ?? state.Default;
    }

    // Assess
    expect(name).toBe(start[0]);
    expect(events).toBe(EVENTS_PER_CHECKING_TURN);
  });

  it('accepts the defaults and the widest time limit at the default spacing', () => {
    expect(pollingLimitProblem(POLLING_DEFAULTS)).toBeUndefined();
    expect(
      pollingLimitProblem({ ...POLLING_DEFAULTS, TimeoutMinutes: POLLING_BOUNDS.TimeoutMinutes.max }),
    ).toBeUndefined();
  });

  it('refuses a tight schedule over a long time limit, which would pass 25,000 history events', () => {
    expect(
      pollingLimitProblem({
        ...POLLING_DEFAULTS,
        TimeoutMinutes: 300,
        WaitSeconds: 5,
        ChecksPerInvocation: 1,
      }),
    ).toMatch(
      /an execution holds at most 25000: raise WaitSeconds or ChecksPerInvocation, or lower TimeoutMinutes/,
    );
  });

  it('refuses a time limit the execution timeout would cut short', () => {
    // Prepare: the widest time limit allowed, a little longer than the timeout leaves room for.
    const settings = { ...POLLING_DEFAULTS, TimeoutMinutes: EXECUTION_TIMEOUT_SECONDS / 60 };

    // Act
    const problem = pollingLimitProblem(settings);

    // Assess
    expect(problem).toMatch(
      /the state machine stops every execution at 90000 s: lower TimeoutMinutes to at most \d+/,
    );
  });
});
