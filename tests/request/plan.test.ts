import { describe, expect, it } from 'vitest';
import { planProvisioning } from '../../local/cli/plan';
import { SETTINGS_ENTRIES } from '../../shared/request/settings';
import { readJson } from './support';

describe('--plan', () => {
  it('shows the production settings in the CreateReplicationGroup call, under their API names', async () => {
    // Prepare
    const sample = readJson('events/production-settings.json');
    const settings = Object.fromEntries(
      Object.keys(SETTINGS_ENTRIES).flatMap((field) => (field in sample ? [[field, sample[field]]] : [])),
    );

    // Act
    const plan = await planProvisioning(sample);

    // Assess
    const create = plan.Calls.find((call) => call.Action === 'CreateReplicationGroup');
    expect(create?.Parameters).toMatchObject({ ...settings, DataTieringEnabled: true });
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
