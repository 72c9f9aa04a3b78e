/**
 * Least privilege, on what tests/infra/template.test.ts does not look at: managed and standalone
 * policies, Not* statements, ARNs open to any region or account whatever the service, the trust
 * policies of the state machine and rule roles, permissions implied by a call held without that call,
 * and functions configured to log their events. It reads every role of the template, so a function
 * or state machine added later is covered without touching this file.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sdkActionsOf } from '../infra/support/bundle';
import { type InlinePolicy, policyOf, ROOT, type Template } from '../infra/support/package';
import { type Packaged, packaged } from './support/packaged';
import { IMPLIED_ACTIONS, sdkCallsOf } from './support/sdkCalls';

interface Statement {
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
}

type Resource = Template['Resources'][string];

let build: Packaged;
let template: Template;

beforeAll(async () => {
  build = await packaged();
  template = build.template;
}, 300_000);

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function ofType(type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** A role's statements, those of a policy it holds only under a condition (Fn::If) included. */
function statementsOf(role: Resource): Statement[] {
  return list(role.Properties?.Policies as InlinePolicy[]).flatMap((policy) =>
    list(policyOf(policy)?.PolicyDocument.Statement),
  );
}

function trustOf(role: Resource): Statement[] {
  return list(
    (role.Properties?.AssumeRolePolicyDocument as { Statement: Statement[] } | undefined)?.Statement,
  );
}

/** Logical ids named by Fn::GetAtt [id, "Arn"] or Ref anywhere inside a value. */
function referencedIds(value: unknown): string[] {
  const text = JSON.stringify(value) ?? '';
  return [
    ...[...text.matchAll(/"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]/g)].map((match) => match[1] ?? ''),
    ...[...text.matchAll(/"Ref":"([A-Za-z0-9]+)"/g)].map((match) => match[1] ?? ''),
  ];
}

function roleIdOf(value: unknown): string {
  const [id] = referencedIds(value);
  if (!id || !template.Resources[id]) throw new Error(`no role behind ${JSON.stringify(value)}`);
  return id;
}

/** Allowed actions, each with the resources it is allowed on. */
function allowed(role: Resource): { action: string; resources: unknown[] }[] {
  return statementsOf(role)
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) =>
      list(statement.Action).map((action) => ({ action, resources: list(statement.Resource) })),
    );
}

/** A service principal as written: a name, or Fn::Sub of a regional one. */
function principalNames(principal: unknown): string[] {
  const service = (principal as { Service?: unknown } | undefined)?.Service;
  return list(service as unknown).map((entry) =>
    typeof entry === 'string' ? entry : String((entry as { 'Fn::Sub'?: unknown })['Fn::Sub']),
  );
}

describe('IAM in the packaged template', () => {
  it('attaches no managed policy or boundary and declares no standalone policy, user or group', () => {
    // Assess: the inline-policy checks would not see any of these.
    for (const [id, role] of ofType('AWS::IAM::Role')) {
      expect(role.Properties?.ManagedPolicyArns, id).toBeUndefined();
      expect(role.Properties?.PermissionsBoundary, id).toBeUndefined();
    }
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::User', 'AWS::IAM::Group']) {
      expect(
        ofType(type).map(([id]) => id),
        type,
      ).toEqual([]);
    }
  });

  it('uses no NotAction, NotResource or NotPrincipal (an allow-all-but list)', () => {
    // Prepare
    const roles = ofType('AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(0);

    // Assess
    const findings: string[] = [];
    for (const [id, role] of roles) {
      for (const statement of [...statementsOf(role), ...trustOf(role)]) {
        for (const key of ['NotAction', 'NotResource', 'NotPrincipal'] as const) {
          if (statement[key] !== undefined) findings.push(`${id}: ${key}`);
        }
      }
    }
    expect(findings).toEqual([]);
  });

  it("names only ARNs of the stack's own account and region, in every role and for every service", () => {
    // Assess: a literal ARN, or "*" for the region or the account, reaches beyond the stack.
    const findings: string[] = [];
    for (const [id, role] of ofType('AWS::IAM::Role')) {
      for (const { action, resources } of allowed(role)) {
        for (const resource of resources) {
          const text = typeof resource === 'string' ? resource : JSON.stringify(resource);
          if (resource === '*' || !text.includes('arn:')) continue;
          if (text.includes('arn:aws')) findings.push(`${id}: ${action} on a literal ARN ${text}`);
          const [, , service, region, account] = text
            .slice(text.indexOf('arn:'))
            .replaceAll(`\${AWS::Partition}`, 'PARTITION')
            .replaceAll(`\${AWS::Region}`, 'REGION')
            .replaceAll(`\${AWS::AccountId}`, 'ACCOUNT')
            .split(':');
          // S3 object ARNs name neither: the bucket is the one the deployment names (restoreSnapshotBucket).
          if (service === 's3' && action === 's3:GetObject') continue;
          // IAM is global: its ARNs have no region.
          if (region !== (service === 'iam' ? '' : 'REGION')) {
            findings.push(`${id}: ${action} on ${text}, in any region`);
          }
          if (account !== 'ACCOUNT') findings.push(`${id}: ${action} on ${text}, in any account`);
        }
      }
    }
    expect(findings).toEqual([]);
  });

  it('lets every role be assumed only by the one service that uses it', () => {
    // Prepare: functions' roles serve Lambda, state machines' roles Step Functions, rules' roles EventBridge.
    const users = new Map<string, string>();
    for (const [, fn] of ofType('AWS::Lambda::Function')) users.set(roleIdOf(fn.Properties?.Role), 'lambda');
    for (const [, machine] of ofType('AWS::StepFunctions::StateMachine')) {
      users.set(roleIdOf(machine.Properties?.RoleArn), 'states');
    }
    for (const [, rule] of ofType('AWS::Events::Rule')) {
      for (const target of list(rule.Properties?.Targets as { RoleArn?: unknown }[])) {
        if (target.RoleArn) users.set(roleIdOf(target.RoleArn), 'events');
      }
    }

    // Assess
    const findings: string[] = [];
    for (const [id, role] of ofType('AWS::IAM::Role')) {
      const service = users.get(id);
      if (!service) findings.push(`${id} is used by no function, state machine or rule`);
      for (const statement of trustOf(role)) {
        const names = principalNames(statement.Principal);
        const expected = [`${service}.amazonaws.com`, `${service}.\${AWS::Region}.amazonaws.com`];
        if (names.length !== 1 || !expected.includes(names[0] ?? '')) {
          findings.push(`${id} may be assumed by ${JSON.stringify(statement.Principal)}`);
        }
        if (JSON.stringify(list(statement.Action)) !== '["sts:AssumeRole"]') {
          findings.push(`${id} trust allows ${JSON.stringify(statement.Action)}`);
        }
      }
    }
    expect(findings).toEqual([]);
  });
});

describe('each function', () => {
  it('holds a permission a call implies only together with that call', async () => {
    // Prepare: the calls its bundle sends (esbuild, packaged options), each one reachable in its sources.
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);

    // Act
    const findings = (
      await Promise.all(
        functions.map(async ([id, fn]) => {
          const found: string[] = [];
          const handler = String(fn.Properties?.Handler ?? '');
          const source = `${handler.slice(0, handler.lastIndexOf('.'))}.ts`;
          const sent = await sdkActionsOf(join(ROOT, source), build.service.custom.esbuild);
          const reachable = sdkCallsOf(ROOT, source).actions;
          for (const action of sent) {
            if (!reachable.includes(action))
              found.push(`${id}: its bundle sends ${action}, its sources never do`);
          }
          const role = template.Resources[roleIdOf(fn.Properties?.Role)] as Resource;
          const granted = new Set(allowed(role).map(({ action }) => action));
          const impliedBySent = new Set(sent.flatMap((call) => IMPLIED_ACTIONS[call] ?? []));
          for (const [call, implied] of Object.entries(IMPLIED_ACTIONS)) {
            for (const action of implied) {
              if (granted.has(action) && !sent.includes(action) && !impliedBySent.has(action)) {
                found.push(`${id} may ${action}, which only ${call} needs, and never calls it`);
              }
            }
          }
          return found;
        }),
      )
    ).flat();

    // Assess
    expect([...new Set(findings)]).toEqual([]);
  }, 120_000);

  it('is configured not to log its invocation events or debug output', () => {
    // Assess: events carry requests and, from the custom-resource bridge, a pre-signed ResponseURL.
    for (const [id, fn] of ofType('AWS::Lambda::Function')) {
      const variables = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      expect(String(variables?.POWERTOOLS_LOGGER_LOG_EVENT ?? 'false'), id).not.toMatch(/^(true|1)$/i);
      expect(String(variables?.POWERTOOLS_LOG_LEVEL ?? 'INFO'), id).not.toMatch(/^(debug|trace)$/i);
    }
  });
});
