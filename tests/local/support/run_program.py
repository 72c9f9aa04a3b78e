"""Runs one of the tutorial's boto3 programs as written, its clients pointed at AWS_ENDPOINT_URL.

The programs are read from the tutorial itself (its fenced code blocks, in order), so the text
that is run is the text that was published.

botocore reads AWS_ENDPOINT_URL itself from 1.31 on; an older one (Debian's python3-boto3) is
given the same endpoint as each client's endpoint_url, which is what the variable does.
"""
import os
import re
import sys

import boto3
import botocore

if tuple(int(part) for part in botocore.__version__.split(".")[:2]) < (1, 31):
    _client = boto3.client

    def _local_client(*args, **kwargs):
        kwargs.setdefault("endpoint_url", os.environ["AWS_ENDPOINT_URL"])
        return _client(*args, **kwargs)

    boto3.client = _local_client

tutorial, index = sys.argv[1], int(sys.argv[2])
with open(tutorial, encoding="utf-8") as handle:
    programs = re.findall(r"^```[^\n]*\n(.*?)^```", handle.read(), re.S | re.M)
name = f"{os.path.basename(tutorial)}#program-{index + 1}"
sys.argv = [name]
exec(compile(programs[index], name, "exec"), {"__name__": "__main__"})
