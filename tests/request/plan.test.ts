import { describe, expect, it } from 'vitest';
import { planProvisioning } from '../../local/cli/plan';
import { readJson } from './support';

describe('--plan', () => {
  it('shows the production settings in the CreateReplicationGroup call, under their API names', async () => {
    // Act
    const plan = await planProvisioning(readJson('events/production-settings.json'));

    // Assess
    const create = plan.Calls.find((call) => call.Action === 'CreateReplicationGroup');
    expect(create?.Parameters).toMatchObject({
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
      LogDeliveryConfigurations: [
        expect.objectContaining({ LogType: 'slow-log', DestinationType: 'cloudwatch-logs' }),
        expect.objectContaining({ LogType: 'engine-log', DestinationType: 'kinesis-firehose' }),
      ],
    });
  });

  it('shows ClusterMode compatible with the cluster-enabled parameter group and the S3 files to restore', async () => {
    // Act
    const plan = await planProvisioning(readJson('events/restore-cluster-mode-compatible.json'));

    // Assess
    expect(plan.Calls.find((call) => call.Action === 'CreateReplicationGroup')?.Parameters).toMatchObject({
      ClusterMode: 'compatible',
      NumCacheClusters: 2,
      CacheParameterGroupName: 'default.valkey8.cluster.on',
      SnapshotArns: ['arn:aws:s3:::orders-backups/2026-12-01/orders.rdb'],
    });
  });

  it('creates no secret for the switched-off default user, which needs no password', async () => {
    // Act
    const plan = await planProvisioning(readJson('events/production-settings.json'));

    // Assess
    const secrets = plan.Calls.filter((call) => call.Action === 'CreateSecret').map(
      (call) => call.Parameters.Name,
    );
    expect(secrets).toEqual(['elasticache-provisioner/orders/orders-app']);
    expect(
      plan.Calls.find((call) => call.Action === 'CreateUser' && call.Parameters.UserName === 'default')
        ?.Parameters,
    ).toMatchObject({ AuthenticationMode: { Type: 'no-password-required' } });
  });
});
