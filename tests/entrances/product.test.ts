/**
 * The Service Catalog product template: parsed with the CloudFormation YAML tags, its references
 * checked, and rendered the way CloudFormation would (conditions, AWS::NoValue, every value a
 * string) so the properties the bridge receives can be run through the request validator.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requestProperties } from '../../shared/entrances/customResource';
import { DATA_KEYS } from '../../shared/entrances/notify';
import { coerceCustomResourceProperties } from '../../shared/request/coerce';
import { REQUEST_FIELDS } from '../../shared/request/schema';
import { validateRequest } from '../../shared/request/validate';
import { cloudFormationTags } from './support/cloudFormationYaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Template {
  Parameters: Record<string, { Type: string; Default?: string; AllowedValues?: string[] }>;
  Conditions: Record<string, Json>;
  Resources: Record<string, { Type: string; Properties: JsonObject }>;
  Outputs: Record<string, { Value: Json; Condition?: string }>;
}

const template = parse(readFileSync(new URL('../../servicecatalog/product.yml', import.meta.url), 'utf8'), {
  customTags: cloudFormationTags,
}) as Template;

const resource = (() => {
  const found = template.Resources.ReplicationGroup;
  if (!found) throw new Error('the template declares no ReplicationGroup resource');
  return found;
})();

/** Every value of `node` under `key` (e.g. every Ref), at any depth. */
function collect(node: Json | undefined, key: string): Json[] {
  if (Array.isArray(node)) return node.flatMap((item) => collect(item, key));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) => [...(k === key ? [v] : []), ...collect(v, key)]);
}

const NO_VALUE = Symbol('AWS::NoValue');

/** Resolves the template's intrinsic functions for `parameters`, as CloudFormation does before calling the bridge. */
function render(parameters: Record<string, string>): JsonObject {
  const values: Record<string, string | string[]> = {};
  for (const [name, declaration] of Object.entries(template.Parameters)) {
    const value = parameters[name] ?? declaration.Default;
    if (value === undefined) throw new Error(`parameter ${name} has no value`);
    values[name] = declaration.Type === 'CommaDelimitedList' ? value.split(',') : value;
  }
  const condition = (name: string): boolean => {
    const definition = template.Conditions[name];
    if (definition === undefined) throw new Error(`unknown condition ${name}`);
    return Boolean(evaluate(definition));
  };
  const evaluate = (node: Json): unknown => {
    if (Array.isArray(node)) return node.map(evaluate).filter((item) => item !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    const [fn, arg] = Object.entries(node)[0] ?? [];
    const args = arg as Json[];
    switch (fn) {
      case 'Ref':
        if (arg === 'AWS::NoValue') return NO_VALUE;
        if (arg === 'AWS::StackName') return 'SC-123456789012-pp-abcdefghijk';
        if (typeof arg === 'string' && arg in values) return values[arg];
        throw new Error(`unresolved Ref ${String(arg)}`);
      case 'Condition':
        return condition(arg as string);
      case 'Fn::If':
        return condition(args[0] as string) ? evaluate(args[1] as Json) : evaluate(args[2] as Json);
      case 'Fn::Equals':
        return JSON.stringify(evaluate(args[0] as Json)) === JSON.stringify(evaluate(args[1] as Json));
      case 'Fn::Not':
        return !evaluate(args[0] as Json);
      case 'Fn::And':
        return args.every((item) => evaluate(item));
      case 'Fn::Or':
        return args.some((item) => evaluate(item));
      case 'Fn::Join':
        return (evaluate(args[1] as Json) as string[]).join(args[0] as string);
      case 'Fn::Sub':
        return (arg as string).replace(/\$\{([^}]+)\}/g, (_m, name: string) => String(values[name]));
      case 'Fn::ImportValue':
        return `imported:${String(evaluate(arg as Json))}`;
      default:
        return Object.fromEntries(
          Object.entries(node)
            .map(([key, value]) => [key, evaluate(value)] as const)
            .filter(([, value]) => value !== NO_VALUE),
        );
    }
  };
  return evaluate(resource.Properties as Json) as JsonObject;
}

const CONTRACT_FIELDS = REQUEST_FIELDS;

const PRODUCTION_PARAMETERS = {
  ReplicationGroupId: 'orders-cache',
  EngineVersion: '7.1',
  CacheNodeType: 'cache.r6gd.xlarge',
  DataTieringEnabled: 'true',
  KmsKeyId: 'alias/orders-cache',
  PreferredMaintenanceWindow: 'sun:03:00-sun:04:00',
  SnapshotWindow: '05:00-06:00',
  NotificationTopicArn: 'arn:aws:sns:eu-west-1:123456789012:cache-events',
  Port: '6380',
  TransitEncryptionEnabled: 'true',
  TransitEncryptionMode: 'required',
  AutoMinorVersionUpgrade: 'false',
  SnapshotArns: 'arn:aws:s3:::orders-backups/orders.rdb',
  NetworkType: 'dual_stack',
  IpDiscovery: 'ipv6',
  SlowLogGroup: '/elasticache/orders/slow',
  EngineLogGroup: '/elasticache/orders/engine',
};

describe('Service Catalog product template', () => {
  it('declares the custom resource with the bridge function exported by the chosen stage', () => {
    expect(resource.Type).toBe('Custom::ElastiCacheReplicationGroup');
    expect(resource.Properties.ServiceToken).toEqual({
      'Fn::ImportValue': {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder
        'Fn::Sub': 'elasticache-provisioner-${ProvisionerStage}-CustomResourceFunctionArn',
      },
    });
    expect(render({ ReplicationGroupId: 'orders-cache', ProvisionerStage: 'prod' }).ServiceToken).toBe(
      'imported:elasticache-provisioner-prod-CustomResourceFunctionArn',
    );
  });

  it('only refers to parameters, pseudo parameters and conditions it declares', () => {
    const refs = collect(resource.Properties as Json, 'Ref');
    const known = [...Object.keys(template.Parameters), 'AWS::NoValue', 'AWS::StackName'];
    expect(refs.filter((ref) => !known.includes(ref as string))).toEqual([]);
    const conditions = [
      ...collect(resource.Properties as Json, 'Fn::If').map((args) => (args as Json[])[0]),
      ...collect(template.Conditions as Json, 'Condition'),
      ...Object.values(template.Outputs).flatMap((output) => (output.Condition ? [output.Condition] : [])),
    ];
    expect(conditions.filter((name) => !((name as string) in template.Conditions))).toEqual([]);
  });

  it('sends only request fields of the contract, besides the service token and the deletion setting', () => {
    const sent = Object.keys(requestProperties(resource.Properties));
    expect(sent.filter((field) => !CONTRACT_FIELDS.includes(field))).toEqual([]);
    expect(template.Parameters.Engine?.AllowedValues).toEqual(['redis', 'valkey']);
    expect(template.Parameters.ClusterMode?.AllowedValues).toEqual(['disabled', 'enabled', 'compatible']);
  });

  it('reads its outputs from attributes the result notification always provides', () => {
    const attributes = Object.values(template.Outputs).map(
      (output) => collect({ v: output.Value }, 'Fn::GetAtt')[0],
    );
    for (const attribute of attributes) {
      expect(attribute).toEqual(['ReplicationGroup', expect.any(String)]);
      expect(DATA_KEYS).toContain((attribute as string[])[1]);
    }
  });

  it("leaves every empty optional parameter out, so the provisioner's defaults apply", () => {
    // Act
    const properties = render({ ReplicationGroupId: 'orders-cache' });

    // Assess
    expect(Object.values(properties)).not.toContain('');
    expect(requestProperties(properties)).toEqual({
      ReplicationGroupId: 'orders-cache',
      Engine: 'redis',
      CacheNodeType: 'cache.t3.small',
      ClusterMode: 'disabled',
      Tags: [{ Key: 'provisioned-by-stack', Value: 'SC-123456789012-pp-abcdefghijk' }],
      Polling: { TimeoutMinutes: '52' },
    });
  });

  it.each([
    ['defaults only', { ReplicationGroupId: 'orders-cache' }],
    [
      'cluster mode enabled with an application user',
      {
        ReplicationGroupId: 'orders-cache',
        ClusterMode: 'enabled',
        NumNodeGroups: '3',
        ReplicasPerNodeGroup: '1',
        EngineVersion: '7.1',
        TransitEncryptionEnabled: 'true',
        SecurityGroupIds: 'sg-0123,sg-0456',
        CacheSubnetGroupName: 'private',
        RbacUserGroupId: 'orders',
        AppUserId: 'orders-app',
        AppUserName: 'app',
        FinalSnapshotIdentifier: 'orders-final',
      },
    ],
    [
      'valkey with replicas',
      { ReplicationGroupId: 'orders-cache', Engine: 'valkey', NumCacheClusters: '3', MultiAZEnabled: 'true' },
    ],
    ['production settings', PRODUCTION_PARAMETERS],
    [
      'cluster mode compatible restored from a snapshot',
      {
        ReplicationGroupId: 'orders-cache',
        ClusterMode: 'compatible',
        EngineVersion: '7.1',
        NumCacheClusters: '2',
        SnapshotName: 'orders-nightly',
      },
    ],
  ])('renders properties the request validator accepts once coerced: %s', (_label, parameters) => {
    // Act
    const checked = validateRequest(coerceCustomResourceProperties(requestProperties(render(parameters))));

    // Assess
    expect(checked.ok ? [] : checked.problems).toEqual([]);
  });

  it('passes the production settings on under their API names, one log delivery per log group given', () => {
    // Act
    const checked = validateRequest(
      coerceCustomResourceProperties(
        requestProperties(render({ ...PRODUCTION_PARAMETERS, EngineLogGroup: '' })),
      ),
    );

    // Assess
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    expect(checked.request).toMatchObject({
      KmsKeyId: 'alias/orders-cache',
      Port: 6380,
      AutoMinorVersionUpgrade: false,
      SnapshotArns: ['arn:aws:s3:::orders-backups/orders.rdb'],
      LogDeliveryConfigurations: [
        {
          LogType: 'slow-log',
          DestinationType: 'cloudwatch-logs',
          DestinationDetails: { CloudWatchLogsDetails: { LogGroup: '/elasticache/orders/slow' } },
          LogFormat: 'json',
        },
      ],
    });
  });
});
