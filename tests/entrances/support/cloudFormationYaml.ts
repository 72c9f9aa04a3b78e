/** YAML tags of CloudFormation templates, for parsing them with the `yaml` package. */
import type { Tags } from 'yaml';

const INTRINSICS = [
  'Ref',
  'Condition',
  'Sub',
  'ImportValue',
  'GetAtt',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'Join',
  'Select',
  'Split',
  'Base64',
  'FindInMap',
  'GetAZs',
  'Cidr',
];

/** `!Ref x` -> {Ref: x}, `!If [...]` -> {"Fn::If": [...]}, `!GetAtt a.b` -> {"Fn::GetAtt": [a, b]}. */
export const cloudFormationTags: Tags = INTRINSICS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  return [
    {
      tag: `!${name}`,
      resolve: (value: string) => ({ [key]: name === 'GetAtt' ? value.split('.') : value }),
    },
    {
      tag: `!${name}`,
      collection: 'seq' as const,
      resolve: (seq: { toJSON(): unknown }) => ({ [key]: seq.toJSON() }),
    },
    {
      tag: `!${name}`,
      collection: 'map' as const,
      resolve: (map: { toJSON(): unknown }) => ({ [key]: map.toJSON() }),
    },
  ];
}) as Tags;
