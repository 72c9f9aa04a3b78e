"""Runs a boto3 program as written, its clients pointed at AWS_ENDPOINT_URL.

botocore reads AWS_ENDPOINT_URL itself from 1.31 on; an older one (Debian's python3-boto3) is
given the same endpoint as each client's endpoint_url, which is what the variable does.
"""
import os
import runpy
import sys

import boto3
import botocore

if tuple(int(part) for part in botocore.__version__.split(".")[:2]) < (1, 31):
    _client = boto3.client

    def _local_client(*args, **kwargs):
        kwargs.setdefault("endpoint_url", os.environ["AWS_ENDPOINT_URL"])
        return _client(*args, **kwargs)

    boto3.client = _local_client

sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
