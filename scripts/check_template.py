#!/usr/bin/env python3
"""Holds deploy/template.yaml's IAM grants to the calls the code makes.

    check_template.py TEMPLATE REPO_ROOT

- DynamoDB: the actions every function's role grants are exactly the operations the
  engine sends (`call("<Operation>"` in src/store/dynamodb/table.cpp), less CreateTable
  and DescribeTable (the template creates the table), on the table and its indexes only;
- SQS: each role may make exactly the calls its code makes, on exactly its queues: the
  api function sends to the jobs queue, the jobs function sends to it and receives from
  it (its event source mapping), the deliveries function receives from the deliveries
  queue, the sweeper sends to both;
- no statement grants "*" as an action or a resource.
Exits 1 naming every difference.
"""
import re
import sys

import yaml


class Loader(yaml.SafeLoader):
    pass


def tagged(loader, tag_suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return {tag_suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {tag_suffix: loader.construct_sequence(node, deep=True)}
    return {tag_suffix: loader.construct_mapping(node, deep=True)}


Loader.add_multi_constructor("!", tagged)


def statements(role):
    for policy in role["Properties"].get("Policies", []):
        yield from policy["PolicyDocument"]["Statement"]


def as_list(v):
    return v if isinstance(v, list) else [v]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    template = yaml.load(open(sys.argv[1]), Loader=Loader)
    table_cpp = open(sys.argv[2] + "/src/store/dynamodb/table.cpp").read()
    sent = set(re.findall(r'call\("([A-Za-z]+)"', table_cpp)) - {"CreateTable", "DescribeTable"}
    wanted = {"dynamodb:" + op for op in sent}
    resources = template["Resources"]
    roles = {k: v for k, v in resources.items() if v["Type"] == "AWS::IAM::Role"}
    problems = []
    if not roles:
        problems.append("no IAM roles in the template")
    receive = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    # Per role, the SQS calls its code (or its event source mapping) makes, by queue.
    expected_sqs = {
        "ApiRole": {("sqs:SendMessage", "JobsQueue")},
        "JobsRole": {("sqs:SendMessage", "JobsQueue")} | {(a, "JobsQueue") for a in receive},
        "DeliveriesRole": {(a, "DeliveriesQueue") for a in receive},
        "SweeperRole": {("sqs:SendMessage", "JobsQueue"), ("sqs:SendMessage", "DeliveriesQueue")},
    }
    if set(roles) != set(expected_sqs):
        problems.append(f"roles {sorted(roles)}, expected {sorted(expected_sqs)}")
    for name, role in roles.items():
        granted = set()
        sqs = set()
        for st in statements(role):
            actions = as_list(st["Action"])
            for a in actions:
                if a == "*" or a.endswith(":*"):
                    problems.append(f"{name}: grants {a}")
                if a.startswith("dynamodb:"):
                    granted.add(a)
                    if st["Resource"] != [{"GetAtt": "Table.Arn"}, {"Sub": "${Table.Arn}/index/*"}]:
                        problems.append(f"{name}: {a} on {st['Resource']}, not the table")
                if a.startswith("sqs:"):
                    resource = st["Resource"]
                    if not (isinstance(resource, dict) and "GetAtt" in resource and
                            resource["GetAtt"].endswith(".Arn")):
                        problems.append(f"{name}: {a} on {resource}, not one queue")
                        continue
                    sqs.add((a, resource["GetAtt"][: -len(".Arn")]))
            for r in as_list(st["Resource"]):
                if r == "*":
                    problems.append(f"{name}: a statement on every resource")
        if granted != wanted:
            problems.append(f"{name}: DynamoDB actions {sorted(granted)}, the code sends "
                            f"{sorted(wanted)}")
        if sqs != expected_sqs.get(name, set()):
            problems.append(f"{name}: SQS grants {sorted(sqs)}, expected "
                            f"{sorted(expected_sqs.get(name, set()))}")
    print(f"check_template: {len(roles)} roles; DynamoDB actions the code sends: {sorted(wanted)}")
    for p in problems:
        print("check_template: " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
