"""Seeds and shows the demo's AWS world in moto (boto3 ships with moto, in the project's .venv).

  python demo/world.py seed   launch templates and an old SSM parameter, in two accounts
  python demo/world.py show   the parameters and launch template defaults amiflow manages
  python demo/world.py invoke PORT FUNCTION EVENT   the Lambda Invoke API against cargo lambda watch
"""
import os
import sys

import boto3

HOME, TARGET = "123456789012", "210987654321"
REGIONS = ["us-east-1", "eu-west-1"]
ENDPOINT = os.environ["AWS_ENDPOINT_URL"]


def client(service, account, region):
    if account == HOME:
        return boto3.client(service, region_name=region, endpoint_url=ENDPOINT)
    creds = boto3.client("sts", region_name=region, endpoint_url=ENDPOINT).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/amiflow-target", RoleSessionName="demo")["Credentials"]
    return boto3.client(service, region_name=region, endpoint_url=ENDPOINT,
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def template(account, region, name, tags):
    spec = [{"ResourceType": "launch-template", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    client("ec2", account, region).create_launch_template(
        LaunchTemplateName=name, TagSpecifications=spec,
        LaunchTemplateData={"ImageId": "ami-0000000000000old1", "InstanceType": "t3.micro"})


def seed():
    template(HOME, "us-east-1", "web", {"amiflow:managed": "true"})
    for region in REGIONS:
        template(TARGET, region, "batch", {"amiflow:managed": "true", "amiflow:image": "golden-al2023"})
    client("ssm", HOME, "us-east-1").put_parameter(
        Name="/amiflow/golden-al2023/latest", Value="ami-0000000000000old1", Type="String",
        DataType="aws:ec2:image", Description="set by hand before amiflow")


def show(title):
    print(f"--- {title}")
    for account in [HOME, TARGET]:
        for region in REGIONS:
            ssm = client("ssm", account, region)
            for p in ssm.describe_parameters().get("Parameters", []):
                if p["Name"].startswith("/amiflow/"):
                    value = ssm.get_parameter(Name=p["Name"])["Parameter"]
                    print(f"  ssm  {account} {region:10} {p['Name']:40} = {value['Value']} (version {value['Version']})")
            ec2 = client("ec2", account, region)
            for t in ec2.describe_launch_templates().get("LaunchTemplates", []):
                v = ec2.describe_launch_template_versions(
                    LaunchTemplateId=t["LaunchTemplateId"], Versions=["$Default"])["LaunchTemplateVersions"][0]
                print(f"  lt   {account} {region:10} {t['LaunchTemplateName']:40} = {v['LaunchTemplateData'].get('ImageId')} "
                      f"(default {t['DefaultVersionNumber']} of {t['LatestVersionNumber']})")


def invoke(port, function, event_file):
    """What `aws lambda invoke --endpoint-url http://127.0.0.1:<port>` does: the Lambda Invoke API."""
    lam = boto3.client("lambda", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{port}")
    with open(event_file, "rb") as f:
        reply = lam.invoke(FunctionName=function, Payload=f.read())
    print(f"  StatusCode {reply['StatusCode']}, FunctionError {reply.get('FunctionError')}")
    print("  " + reply["Payload"].read().decode())


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "seed":
        seed()
    elif command == "show":
        show(sys.argv[2] if len(sys.argv) > 2 else "state")
    elif command == "invoke":
        invoke(*sys.argv[2:5])
