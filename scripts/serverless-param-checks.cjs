/**
 * Refuses deployment parameters that would widen what the functions may do, before anything is
 * packaged or deployed (`serverless package` and `serverless deploy` both run this hook).
 *
 * passwordSecretPrefix becomes the IAM resource `secret:<prefix>*` the user functions may read: an
 * empty prefix, or one with an IAM wildcard, would open every secret of the account.
 */
'use strict';

class ParamChecks {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:initialize': () => this.check() };
  }

  check() {
    const prefix = this.serverless.service.custom?.passwordSecretPrefix;
    if (typeof prefix !== 'string' || prefix.trim() === '') {
      throw new this.serverless.classes.Error(
        'passwordSecretPrefix must not be empty: the user functions may read every secret whose name starts with it. ' +
          'Give the prefix of the secrets requests may name, e.g. --param="passwordSecretPrefix=teams/cache/".',
      );
    }
    if (/[*?]/.test(prefix)) {
      throw new this.serverless.classes.Error(
        `passwordSecretPrefix "${prefix}" must not contain * or ?: they are IAM wildcards and would widen which secrets ` +
          'the user functions may read. Give a literal name prefix, e.g. teams/cache/.',
      );
    }
  }
}

module.exports = ParamChecks;
