/**
 * Permissions a real account would otherwise refuse or regret, on the packaged template: tags only
 * on the resource being created and only with the ownership tag teardown reads, and the EC2 reads
 * ElastiCache makes with the caller's permissions while it creates a group.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { packaged } from '../reliability/support/packaged';
import { actionsOf, type CfnResource, resourcesOf, type Statement, statementsOf } from './support/package';

let resources: Record<string, CfnResource>;
const roleOf = (fn: string): CfnResource => {
  const functionId = `${fn.charAt(0).toUpperCase()}${fn.slice(1)}LambdaFunction`;
  const role = resources[functionId]?.Properties?.Role as { 'Fn::GetAtt': [string, string] };
  const found = resources[role['Fn::GetAtt'][0]];
  if (!found) throw new Error(`no role for ${fn}`);
  return found;
};
const granting = (fn: string, action: string): Statement[] =>
  statementsOf(roleOf(fn)).filter((statement) => actionsOf(statement).includes(action));
const elastiCacheArn = (resource: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:elasticache:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
});
const OWNERSHIP_TAG = { StringEquals: { 'aws:RequestTag/managed-by': 'elasticache-provisioner' } };

beforeAll(async () => {
  resources = (await packaged()).template.Resources;
}, 300_000);

describe('AddTagsToResource', () => {
  it.each([
    ['ensureUsers', ['user:*']],
    ['ensureGroup', ['usergroup:*']],
    ['createReplicationGroup', ['replicationgroup:*', 'cluster:*']],
  ])('is granted to %s only on what it creates, and only with the ownership tag', (fn, created) => {
    // Prepare
    const statements = granting(fn, 'elasticache:AddTagsToResource');

    // Assess: alone in its statement, so the condition binds it and nothing else.
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0] as Statement)).toEqual(['elasticache:AddTagsToResource']);
    expect(resourcesOf(statements[0] as Statement)).toEqual(created.map(elastiCacheArn));
    expect(statements[0]?.Condition).toEqual(OWNERSHIP_TAG);
  });

  it('is granted to no other function', () => {
    // Prepare
    const others = Object.entries(resources)
      .filter(([, entry]) => entry.Type === 'AWS::Lambda::Function')
      .map(([id]) => id.replace(/LambdaFunction$/, ''))
      .map((id) => `${id.charAt(0).toLowerCase()}${id.slice(1)}`)
      .filter(
        (fn) =>
          !['ensureUsers', 'ensureGroup', 'createReplicationGroup', 'planChange', 'applyChange'].includes(fn),
      );

    // Assess
    expect(others.length).toBeGreaterThan(0);
    for (const fn of others) expect(granting(fn, 'elasticache:AddTagsToResource'), fn).toEqual([]);
  });

  it.each(['planChange', 'applyChange'])(
    'lets %s tag only replication groups that already carry the ownership tag',
    (fn) => {
      // Assess
      const statements = granting(fn, 'elasticache:AddTagsToResource');
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(statement.Resource).toEqual([
          {
            'Fn::Sub': expect.stringMatching(/:elasticache:.*:replicationgroup:\*$/),
          },
        ]);
        expect(statement.Condition).toEqual({
          StringEquals: { 'aws:ResourceTag/managed-by': 'elasticache-provisioner' },
        });
      }
    },
  );
});

describe('EC2', () => {
  it('lets createReplicationGroup read the VPC, subnets and security groups only through ElastiCache', () => {
    // Prepare
    const ec2 = statementsOf(roleOf('createReplicationGroup')).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('ec2:')),
    );

    // Assess
    expect(ec2).toEqual([
      {
        Effect: 'Allow',
        Action: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
        Resource: '*',
        Condition: {
          'ForAnyValue:StringEquals': { 'aws:CalledVia': ['elasticache.amazonaws.com', 'ec.amazonaws.com'] },
        },
      },
    ]);
  });

  it('lets the rotation function manage only its own network interfaces, which Lambda needs to place it in a VPC', () => {
    // Assess
    const actions = statementsOf(resources.RotatePasswordRole as CfnResource)
      .flatMap(actionsOf)
      .filter((action) => action.startsWith('ec2:'));
    expect(actions.sort()).toEqual([
      'ec2:AssignPrivateIpAddresses',
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:UnassignPrivateIpAddresses',
    ]);
  });

  it('is granted to no other function', () => {
    // Assess
    for (const [id, entry] of Object.entries(resources)) {
      if (entry.Type !== 'AWS::IAM::Role') continue;
      if (id === 'CreateReplicationGroupRole' || id === 'RotatePasswordRole') continue;
      const actions = statementsOf(entry).flatMap(actionsOf);
      expect(
        actions.filter((action) => action.startsWith('ec2:')),
        id,
      ).toEqual([]);
    }
  });
});
