import * as v from 'valibot';

/**
 * Replication group settings passed to CreateReplicationGroup under their API names. Only the shape of
 * each value is checked here; how they relate to each other and to the rest of the request
 * (windows overlapping, KMS without at-rest encryption, data tiering and node types...) is in
 * settingRules.ts.
 */

const DAYS = '(sun|mon|tue|wed|thu|fri|sat)';
const TIME = '([01]\\d|2[0-3]):([0-5]\\d)';
export const MAINTENANCE_WINDOW = new RegExp(`^${DAYS}:${TIME}-${DAYS}:${TIME}$`);
export const SNAPSHOT_WINDOW = new RegExp(`^${TIME}-${TIME}$`);
export const S3_ARN = /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[^,]+$/;

const described = <T extends v.GenericSchema>(schema: T, description: string) =>
  v.optional(v.pipe(schema, v.description(description)));

const text = (pattern: RegExp, message: string, max: number) =>
  v.pipe(v.string(), v.maxLength(max), v.regex(pattern, message));

const LogDeliverySchema = v.strictObject({
  LogType: v.picklist(['slow-log', 'engine-log']),
  DestinationType: v.picklist(['cloudwatch-logs', 'kinesis-firehose']),
  DestinationDetails: v.strictObject({
    CloudWatchLogsDetails: v.optional(
      v.strictObject({
        LogGroup: text(/^[\w./#-]+$/, 'must be a CloudWatch Logs log group name', 512),
      }),
    ),
    KinesisFirehoseDetails: v.optional(
      v.strictObject({
        DeliveryStream: text(/^[\w.-]+$/, 'must be a Firehose delivery stream name', 64),
      }),
    ),
  }),
  LogFormat: v.picklist(['text', 'json']),
});

export const SETTINGS_ENTRIES = {
  KmsKeyId: described(
    text(
      /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/|alias\/)?[\w/:-]+$/,
      'must be a KMS key id, key ARN, alias name (alias/...) or alias ARN',
      2048,
    ),
    'Customer managed KMS key for at-rest encryption (needs AtRestEncryptionEnabled true). Default: the AWS owned key.',
  ),
  LogDeliveryConfigurations: described(
    v.pipe(v.array(LogDeliverySchema), v.maxLength(2)),
    'Slow log and engine log delivery, at most one of each: LogType slow-log|engine-log, DestinationType cloudwatch-logs (DestinationDetails.CloudWatchLogsDetails.LogGroup) or kinesis-firehose (DestinationDetails.KinesisFirehoseDetails.DeliveryStream), LogFormat text|json. The engine log needs Redis OSS 6.2+.',
  ),
  PreferredMaintenanceWindow: described(
    v.pipe(
      v.string(),
      v.regex(MAINTENANCE_WINDOW, 'must be ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. sun:23:00-mon:01:30'),
    ),
    'Weekly, UTC, ddd:hh24:mi-ddd:hh24:mi (days sun..sat), at least 60 minutes. Default: chosen by ElastiCache.',
  ),
  SnapshotWindow: described(
    v.pipe(v.string(), v.regex(SNAPSHOT_WINDOW, 'must be hh24:mi-hh24:mi in UTC, e.g. 05:00-06:00')),
    'Daily, UTC, hh24:mi-hh24:mi, at least 60 minutes, not overlapping PreferredMaintenanceWindow. Default: chosen by ElastiCache.',
  ),
  NotificationTopicArn: described(
    text(
      /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/,
      'must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
      1024,
    ),
    'SNS topic (standard, owned by the same account) for ElastiCache events.',
  ),
  Port: described(
    v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)),
    'Port every node listens on. Default 6379.',
  ),
  TransitEncryptionMode: described(
    v.picklist(['preferred', 'required']),
    '"preferred" also accepts unencrypted connections (no RBAC then); needs TransitEncryptionEnabled true and Redis OSS 7.0+. Default: required.',
  ),
  AutoMinorVersionUpgrade: described(
    v.boolean(),
    'Opt in to automatic minor version upgrades. Default true.',
  ),
  DataTieringEnabled: described(
    v.boolean(),
    'Data tiering to local SSD: true exactly when CacheNodeType is an r6gd node type; needs Redis OSS 6.2+.',
  ),
  SnapshotArns: described(
    v.pipe(
      v.array(
        v.pipe(v.string(), v.regex(S3_ARN, 'must be an S3 object ARN such as arn:aws:s3:::bucket/dump.rdb')),
      ),
      v.minLength(1),
    ),
    'Restore: RDB files in S3 (object keys without commas) to seed the new group. Not with SnapshotName.',
  ),
  SnapshotName: described(
    v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
    'Restore: an ElastiCache snapshot to seed the new group. Not with SnapshotArns.',
  ),
  NetworkType: described(
    v.picklist(['ipv4', 'ipv6', 'dual_stack']),
    'ipv6 and dual_stack need Redis OSS 6.2-7.1 or Valkey, and subnets with IPv6. Default ipv4.',
  ),
  IpDiscovery: described(
    v.picklist(['ipv4', 'ipv6']),
    'Address family the cluster discovery commands return; ipv6 needs NetworkType ipv6 or dual_stack. Default ipv4.',
  ),
};
