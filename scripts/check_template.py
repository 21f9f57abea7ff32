#!/usr/bin/env python3
"""Holds deploy/template.yaml's IAM grants to the calls the code makes.

    check_template.py TEMPLATE REPO_ROOT

- DynamoDB: the actions every function's role grants are exactly the operations the
  engine sends (`call("<Operation>"` in src/store/dynamodb/table.cpp), less CreateTable
  and DescribeTable (the template creates the table), on the table and its indexes only;
- SQS: each role may send to the jobs queue, and only the jobs function's role may
  receive and delete from it (its event source mapping);
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
                    sqs.add(a)
                    if st["Resource"] != {"GetAtt": "JobsQueue.Arn"}:
                        problems.append(f"{name}: {a} on {st['Resource']}, not the jobs queue")
            for r in as_list(st["Resource"]):
                if r == "*":
                    problems.append(f"{name}: a statement on every resource")
        if granted != wanted:
            problems.append(f"{name}: DynamoDB actions {sorted(granted)}, the code sends "
                            f"{sorted(wanted)}")
        receives = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
        expected_sqs = {"sqs:SendMessage"} | (receives if name == "JobsRole" else set())
        if sqs != expected_sqs:
            problems.append(f"{name}: SQS actions {sorted(sqs)}, expected {sorted(expected_sqs)}")
    print(f"check_template: {len(roles)} roles; DynamoDB actions the code sends: {sorted(wanted)}")
    for p in problems:
        print("check_template: " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
