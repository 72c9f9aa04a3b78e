/**
 * What a team running the workflow sees: alarms on failed, timed-out and aborted executions and on
 * requests that could not start one, X-Ray traces of the state machines and functions, and request
 * events that are retried and then kept rather than lost. Checked on the packaged template (the
 * CloudFormation resource specification itself is checked in template.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { packaged, STAGE } from '../reliability/support/packaged';
import { type CfnResource, resourcesOfType, statementsOf, type Template } from './support/package';

let template: Template;
const resource = (id: string): CfnResource => {
  const found = template.Resources[id];
  if (!found) throw new Error(`template has no resource ${id}`);
  return found;
};
const STATE_MACHINES = ['ProvisionStateMachine', 'TeardownStateMachine'] as const;
/** Every state machine: the workflows and the deadline of custom-resource requests. */
const ALL_STATE_MACHINES = [...STATE_MACHINES, 'DeadlineStateMachine'] as const;
/** A property of a resource, read as the given shape (the template test checks the shapes themselves). */
const property = <T>(entry: CfnResource, name: string): T => entry.Properties?.[name] as T;
const ALARM_ACTIONS = { 'Fn::If': ['HasAlarmTopic', [''], { Ref: 'AWS::NoValue' }] };

beforeAll(async () => {
  template = (await packaged()).template;
}, 300_000);

describe('alarms', () => {
  it.each([
    ...STATE_MACHINES.flatMap((id) =>
      ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'].map((metric) => [id, metric] as const),
    ),
    // A deadline that could not answer: CloudFormation then times out on its own.
    ['DeadlineStateMachine', 'ExecutionsFailed'] as const,
  ])('raise one on any %s %s in a minute', (stateMachine, metric) => {
    // Prepare
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) =>
        alarm.Properties?.MetricName === metric &&
        JSON.stringify(alarm.Properties?.Dimensions) ===
          JSON.stringify([{ Name: 'StateMachineArn', Value: { Ref: stateMachine } }]),
    );

    // Assess
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.[1].Properties).toMatchObject({
      Namespace: 'AWS/States',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: ALARM_ACTIONS,
      OKActions: ALARM_ACTIONS,
    });
  });

  it('raises one when a request event waits in the dead-letter queue', () => {
    // Assess
    expect(resource('RequestDeadLetterQueueAlarm').Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['RequestDeadLetterQueue', 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: ALARM_ACTIONS,
    });
  });

  it('notify the alarmTopicArn parameter only when it is set (empty by default)', () => {
    // Assess: the condition compares the parameter, substituted at package time, with "".
    expect(template.Conditions).toMatchObject({
      HasAlarmTopic: { 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] },
    });
  });
});

describe('X-Ray tracing', () => {
  it.each(ALL_STATE_MACHINES)('is on for %s, whose role may send traces', (id) => {
    // Prepare
    const role = resource(
      property<{ 'Fn::GetAtt': [string, string] }>(resource(id), 'RoleArn')['Fn::GetAtt'][0],
    );

    // Assess
    expect(resource(id).Properties?.TracingConfiguration).toEqual({ Enabled: true });
    const xray = statementsOf(role).find((statement) => String(statement.Action).includes('xray:'));
    expect(xray?.Action).toEqual(
      expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']),
    );
  });

  it('is active on every function, whose own role may send traces and nothing else through X-Ray', () => {
    // Prepare
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');

    // Assess
    expect(functions.length).toBeGreaterThan(0);
    for (const [id, fn] of functions) {
      expect(fn.Properties?.TracingConfig, id).toEqual({ Mode: 'Active' });
      const role = resource(property<{ 'Fn::GetAtt': [string, string] }>(fn, 'Role')['Fn::GetAtt'][0]);
      const xray = statementsOf(role).filter((statement) =>
        JSON.stringify(statement.Action).includes('xray:'),
      );
      expect(xray, id).toEqual([
        { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      ]);
    }
  });
});

describe('request events', () => {
  it.each(STATE_MACHINES)(
    'that cannot start %s are retried for an hour, then kept in the dead-letter queue',
    (stateMachine) => {
      // Prepare
      const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, rule]) =>
        property<{ Arn: { Ref: string } }[]>(rule, 'Targets').some((t) => t.Arn.Ref === stateMachine),
      );

      // Assess
      expect(rules).toHaveLength(1);
      expect(rules[0]?.[1].Properties?.Targets).toEqual([
        expect.objectContaining({
          RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 24 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['RequestDeadLetterQueue', 'Arn'] } },
        }),
      ]);
    },
  );

  it('land in an encrypted queue that only the two request rules may send to, kept 14 days', () => {
    // Prepare
    const rules = resourcesOfType(template, 'AWS::Events::Rule').map(([id]) => id);
    const [, policy] = resourcesOfType(template, 'AWS::SQS::QueuePolicy')[0] ?? [];

    // Assess
    expect(resource('RequestDeadLetterQueue').Properties).toEqual({
      QueueName: `elasticache-provisioner-${STAGE}-request-dead-letters`,
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
    expect(policy?.Properties?.Queues).toEqual([{ Ref: 'RequestDeadLetterQueue' }]);
    expect(policy?.Properties?.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': ['RequestDeadLetterQueue', 'Arn'] },
          Condition: { ArnEquals: { 'aws:SourceArn': rules.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })) } },
        },
      ],
    });
  });
});
