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
    'KMS key for at-rest encryption.',
  ),
  LogDeliveryConfigurations: described(
    v.pipe(v.array(LogDeliverySchema), v.maxLength(2)),
    'At most one per LogType.',
  ),
  PreferredMaintenanceWindow: described(
    v.pipe(
      v.string(),
      v.regex(MAINTENANCE_WINDOW, 'must be ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. sun:23:00-mon:01:30'),
    ),
    'UTC, at least 60 minutes.',
  ),
  SnapshotWindow: described(
    v.pipe(v.string(), v.regex(SNAPSHOT_WINDOW, 'must be hh24:mi-hh24:mi in UTC, e.g. 05:00-06:00')),
    'UTC, at least 60 minutes, apart from PreferredMaintenanceWindow.',
  ),
  NotificationTopicArn: described(
    text(
      /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/,
      'must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
      1024,
    ),
    'SNS topic of the same account.',
  ),
  Port: described(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)), 'Default 6379.'),
  TransitEncryptionMode: described(
    v.picklist(['preferred', 'required']),
    'Needs TransitEncryptionEnabled; "preferred" not with RBAC.',
  ),
  AutoMinorVersionUpgrade: described(v.boolean(), 'Default true.'),
  DataTieringEnabled: described(v.boolean(), 'True exactly with r6gd node types.'),
  SnapshotArns: described(
    v.pipe(
      v.array(
        v.pipe(v.string(), v.regex(S3_ARN, 'must be an S3 object ARN such as arn:aws:s3:::bucket/dump.rdb')),
      ),
      v.minLength(1),
    ),
    'Restore from RDB files in S3.',
  ),
  SnapshotName: described(
    v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
    'Restore from an ElastiCache snapshot.',
  ),
  NetworkType: described(v.picklist(['ipv4', 'ipv6', 'dual_stack']), 'Default ipv4.'),
  IpDiscovery: described(v.picklist(['ipv4', 'ipv6']), 'ipv6 needs NetworkType ipv6 or dual_stack.'),
};
