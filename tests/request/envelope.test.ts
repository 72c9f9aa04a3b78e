import { describe, expect, it } from 'vitest';
import { unwrapRequest } from '../../shared/executionInput';
import { coerceCustomResourceProperties } from '../../shared/request/coerce';
import { validateRequest } from '../../shared/request/validate';
import { acceptedRequest, readJson, rejectionOf, requestFixture } from './support';

describe('unwrapRequest', () => {
  it('returns a plain request as it is', () => {
    const request = requestFixture('rbac-redis');

    expect(unwrapRequest(request)).toBe(request);
  });

  it("takes an EventBridge event's detail and its id as CorrelationId", () => {
    // Prepare
    const event = readJson('events/eventbridge-provisioning-requested.json');

    // Act
    const request = unwrapRequest(event);

    // Assess
    expect(request).toEqual({ ...event.detail, CorrelationId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718' });
    expect(event.detail).not.toHaveProperty('CorrelationId');
  });

  it('keeps the CorrelationId the detail carries', () => {
    const event = readJson('events/eventbridge-provisioning-requested.json');
    event.detail.CorrelationId = 'order-batch-42';

    expect(unwrapRequest(event)).toMatchObject({ CorrelationId: 'order-batch-42' });
  });

  it('does not take an object with only some envelope fields for an event', () => {
    const input = { detail: requestFixture('minimal') };

    expect(unwrapRequest(input)).toBe(input);
    expect(rejectionOf(input)).toContainEqual({
      field: 'detail',
      message: expect.stringMatching(/unknown field/),
    });
  });

  it('lets validation report an event whose detail is not an object', () => {
    const input = {
      'detail-type': 'ElastiCache Provisioning Requested',
      source: 'custom.elasticache-provisioner',
      detail: 'orders-cache',
    };

    expect(rejectionOf(input)).toEqual([
      { field: '(request)', message: expect.stringMatching(/must be an object/) },
    ]);
  });
});

describe('coerceCustomResourceProperties', () => {
  it('turns CloudFormation strings back into the types the schema expects', () => {
    // Prepare
    const properties = requestFixture('custom-resource-properties');

    // Act
    const coerced = coerceCustomResourceProperties(properties);

    // Assess
    expect(coerced).toEqual(readJson('tests/fixtures/requests/custom-resource-properties-coerced.json'));
    expect(validateRequest(coerced)).toMatchObject({ ok: true });
  });

  it('keeps version strings and ids as strings', () => {
    const coerced = coerceCustomResourceProperties({
      ReplicationGroupId: 'orders-cache',
      EngineVersion: '7.0',
      CorrelationId: '42',
    });

    expect(coerced).toEqual({
      ReplicationGroupId: 'orders-cache',
      EngineVersion: '7.0',
      CorrelationId: '42',
    });
  });

  it('reads a JSON array of strings and an empty list', () => {
    const coerced = coerceCustomResourceProperties({ SecurityGroupIds: '["sg-0a1b2c3d"]', UserGroupIds: '' });

    expect(coerced).toEqual({ SecurityGroupIds: ['sg-0a1b2c3d'], UserGroupIds: [] });
  });

  it('reads an object passed as a JSON string', () => {
    const coerced = coerceCustomResourceProperties({ Polling: '{"TimeoutMinutes":"30","WaitSeconds":20}' });

    expect(coerced).toEqual({ Polling: { TimeoutMinutes: 30, WaitSeconds: 20 } });
  });

  it('leaves what does not convert for the validator to report', () => {
    // Prepare
    const properties = {
      ReplicationGroupId: 'orders-cache',
      NumCacheClusters: 'three',
      MultiAZEnabled: 'yes',
      Tags: '[{broken',
    };

    // Act
    const coerced = coerceCustomResourceProperties(properties);

    // Assess
    expect(coerced).toEqual(properties);
    expect(rejectionOf(coerced).map((problem) => problem.field)).toEqual([
      'NumCacheClusters',
      'MultiAZEnabled',
      'Tags',
    ]);
  });

  it('leaves unknown properties untouched for the validator to reject', () => {
    const coerced = coerceCustomResourceProperties({
      ReplicationGroupId: 'orders-cache',
      ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x',
    });

    expect(coerced).toEqual({
      ReplicationGroupId: 'orders-cache',
      ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x',
    });
  });

  it('does not change the properties it is given', () => {
    const properties = requestFixture('custom-resource-properties');
    const before = structuredClone(properties);

    coerceCustomResourceProperties(properties);

    expect(properties).toEqual(before);
  });

  it('coerces booleans whatever their case', () => {
    const request = acceptedRequest(
      coerceCustomResourceProperties({
        ReplicationGroupId: 'orders-cache',
        AtRestEncryptionEnabled: 'False',
      }),
    );

    expect(request.AtRestEncryptionEnabled).toBe(false);
  });
});

describe('validateRequest of the input the custom-resource bridge starts the workflow with', () => {
  const envelope = {
    RequestType: 'Create',
    ResponseURL:
      'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x?X-Amz-Signature=s3cr3t',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/SC-123456789012-pp-abc/1f2e3d4c',
    RequestId: '6f1c7e1a-8a51-4c1b-9d0e-0c6a2b0f0001',
    LogicalResourceId: 'ReplicationGroup',
  };

  it('validates the properties as CloudFormation hands them over, with the RequestId as CorrelationId', () => {
    // Prepare
    const input = { ...requestFixture('custom-resource-properties'), CustomResource: envelope };

    // Act
    const request = acceptedRequest(input);

    // Assess: the envelope is not part of the request, and never travels on with it.
    expect(request).toMatchObject({
      ReplicationGroupId: 'orders-cache',
      NumCacheClusters: 3,
      AutomaticFailoverEnabled: true,
      SecurityGroupIds: ['sg-0a1b2c3d', 'sg-0e1f2a3b'],
      CorrelationId: envelope.RequestId,
    });
    expect(request).not.toHaveProperty('CustomResource');
    expect(JSON.stringify(request)).not.toContain('s3cr3t');
  });

  it('keeps the CorrelationId the properties carry', () => {
    const input = {
      ReplicationGroupId: 'orders-cache',
      CorrelationId: 'change-42',
      CustomResource: envelope,
    };

    expect(acceptedRequest(input).CorrelationId).toBe('change-42');
  });

  it('reports every problem of the properties by field', () => {
    const input = {
      ReplicationGroupId: 'orders-cache',
      NumCacheClusters: '9',
      Shards: '2',
      CustomResource: envelope,
    };

    expect(rejectionOf(input)).toEqual([
      { field: 'Shards', message: expect.stringMatching(/unknown field/) },
      { field: 'NumCacheClusters', message: expect.stringMatching(/at most 6/) },
    ]);
  });

  it('does not take an envelope without its ResponseURL for one: it is an unknown field', () => {
    const { ResponseURL: _url, ...incomplete } = envelope;

    expect(rejectionOf({ ReplicationGroupId: 'orders-cache', CustomResource: incomplete })).toContainEqual({
      field: 'CustomResource',
      message: expect.stringMatching(/unknown field/),
    });
  });
});
