// Replication in keyward server with boto3 clients for two regions:
// ReplicateSecretToRegions makes a read-only replica (same name, the
// primary's ARN in the replica's region, same value), ReplicationStatus and
// PrimaryRegion are reported, the primary's changes propagate, writes on the
// replica get AWS's error, an existing secret of the name fails the replica
// unless ForceOverwriteReplicaSecret, StopReplicationToReplica promotes,
// RemoveRegionsFromReplication removes, and it all survives a restart.
#include <gtest/gtest.h>

#include "tests/integration/server_fixture.h"

namespace keyward::testing {
namespace {

constexpr char kCanary[] = "replication-canary-77c2e1";

std::map<std::string, std::string> ClientEnv(const KeywardServer& server) {
  return {{"AWS_ENDPOINT_URL", server.endpoint()},
          {"AWS_SHARED_CREDENTIALS_FILE", server.credentials_file()},
          {"AWS_PROFILE", "keyward-local"},
          {"AWS_ACCESS_KEY_ID", "\x01unset"},
          {"AWS_SECRET_ACCESS_KEY", "\x01unset"},
          {"AWS_CONFIG_FILE", "/dev/null"},
          {"KW_CANARY", kCanary}};
}

const char kPrelude[] = R"PY(
import os, sys, boto3
from botocore.exceptions import ClientError
east = boto3.client('secretsmanager', region_name='us-east-1')
west = boto3.client('secretsmanager', region_name='eu-west-1')
CANARY = os.environ['KW_CANARY']
def check(cond, what):
    if not cond:
        print('FAILED: ' + what); sys.exit(1)
def error_of(fn):
    try:
        fn()
    except ClientError as e:
        return e.response['Error']['Code'], e.response['Error']['Message']
    return None, None
)PY";

CommandResult RunScript(const KeywardServer& server, const std::string& body) {
  return RunCommand({"python3", "-c", std::string(kPrelude) + body},
                    ClientEnv(server), "", 240000);
}

TEST(ServerReplicationTest, ReplicaPropagationPromotionRemoval) {
  KW_REQUIRE_PEER("python3");
  TempDir dir;
  auto server = KeywardServer::Start(dir);
  ASSERT_TRUE(server.ok()) << server.status().message();
  CommandResult r = RunScript(**server, R"PY(
arn = east.create_secret(Name='app/key', SecretString=CANARY)['ARN']
out = east.replicate_secret_to_regions(SecretId='app/key',
    AddReplicaRegions=[{'Region': 'eu-west-1'}])
check(out['ARN'] == arn, 'answers the primary ARN')
check(out['ReplicationStatus'] == [{'Region': 'eu-west-1',
    'KmsKeyId': 'alias/aws/secretsmanager', 'Status': 'InSync',
    'StatusMessage': 'Replication succeeded'}], 'ReplicationStatus')
rarn = arn.replace(':us-east-1:', ':eu-west-1:')
rv = west.get_secret_value(SecretId='app/key')
check(rv['ARN'] == rarn and rv['SecretString'] == CANARY, 'replica value')
d = west.describe_secret(SecretId='app/key')
check(d['PrimaryRegion'] == 'us-east-1', 'replica PrimaryRegion')
p = east.describe_secret(SecretId='app/key')
check(p['PrimaryRegion'] == 'us-east-1' and len(p['ReplicationStatus']) == 1, 'primary reports replication')
# ListSecrets entries carry PrimaryRegion but no ReplicationStatus (the SDKs
# would drop it: SecretListEntry has no such member), so read the raw body.
import json
raw = {}
east.meta.events.register('after-call.secretsmanager.ListSecrets',
    lambda http_response, **kw: raw.update(body=http_response.text))
east.list_secrets()
entries = json.loads(raw['body'])['SecretList']
check([e.get('PrimaryRegion') for e in entries] == ['us-east-1'], 'ListSecrets PrimaryRegion')
check(all('ReplicationStatus' not in e for e in entries), 'no ReplicationStatus in ListSecrets')
# The primary's changes propagate.
east.put_secret_value(SecretId='app/key', SecretString=CANARY + '-2')
east.tag_resource(SecretId='app/key', Tags=[{'Key': 'team', 'Value': 'a'}])
check(west.get_secret_value(SecretId='app/key')['SecretString'] == CANARY + '-2', 'value propagated')
check(west.get_secret_value(SecretId='app/key', VersionStage='AWSPREVIOUS')['SecretString'] == CANARY, 'versions propagated')
check(west.describe_secret(SecretId='app/key')['Tags'] == [{'Key': 'team', 'Value': 'a'}], 'tags propagated')
# The replica is read-only.
for fn in (lambda: west.put_secret_value(SecretId='app/key', SecretString='x'),
           lambda: west.update_secret(SecretId='app/key', Description='x'),
           lambda: west.delete_secret(SecretId='app/key'),
           lambda: west.tag_resource(SecretId='app/key', Tags=[{'Key': 'k', 'Value': 'v'}])):
    code, msg = error_of(fn)
    check(code == 'InvalidParameterException', 'write on replica refused')
    check(msg == "Operation not permitted on a replica secret. Call must be made in primary secret's region.", msg)
# The primary cannot be deleted while it has replicas.
code, msg = error_of(lambda: east.delete_secret(SecretId='app/key'))
check(code == 'InvalidParameterException' and 'eu-west-1' in msg, 'delete refused')
# The primary-region filter finds replicated secrets only.
east.create_secret(Name='plain', SecretString='p')
for c in (east, west):
    names = [s['Name'] for s in c.list_secrets(Filters=[{'Key': 'primary-region', 'Values': ['us-east-1']}])['SecretList']]
    check(names == ['app/key'], 'primary-region filter: ' + ','.join(names))
# CreateSecret can replicate at once.
out = east.create_secret(Name='dup', SecretString='d', AddReplicaRegions=[{'Region': 'eu-west-1'}])
check(out['ReplicationStatus'][0]['Status'] == 'InSync', 'CreateSecret AddReplicaRegions')
check(west.get_secret_value(SecretId='dup')['SecretString'] == 'd', 'replica of a new secret')
code, msg = error_of(lambda: east.create_secret(Name='dup2', SecretString='d',
    AddReplicaRegions=[{'Region': 'us-east-1'}]))
check(code == 'InvalidParameterException' and msg == 'Invalid replica region.', 'own region')
check(error_of(lambda: east.describe_secret(SecretId='dup2'))[0] == 'ResourceNotFoundException', 'nothing created')
print('ok')
)PY");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  // Restart: replicas, their values and the status are kept.
  server->reset();
  server = KeywardServer::Start(dir);
  ASSERT_TRUE(server.ok()) << server.status().message();
  r = RunScript(**server, R"PY(
check(west.get_secret_value(SecretId='app/key')['SecretString'] == CANARY + '-2', 'replica after restart')
# Name taken in a region: Failed, unless ForceOverwriteReplicaSecret.
west.create_secret(Name='other', SecretString='w')
east.create_secret(Name='other', SecretString='e')
out = east.replicate_secret_to_regions(SecretId='other', AddReplicaRegions=[{'Region': 'eu-west-1'}])
st = out['ReplicationStatus'][0]
check(st['Status'] == 'Failed' and st['StatusMessage'] ==
      'Replication failed: Secret name other already exists in region eu-west-1.', 'name taken')
check(west.get_secret_value(SecretId='other')['SecretString'] == 'w', 'not overwritten')
out = east.replicate_secret_to_regions(SecretId='other', AddReplicaRegions=[{'Region': 'eu-west-1'}],
    ForceOverwriteReplicaSecret=True)
check(out['ReplicationStatus'][0]['Status'] == 'InSync', 'forced')
check(west.get_secret_value(SecretId='other')['SecretString'] == 'e', 'overwritten')
code, _ = error_of(lambda: east.replicate_secret_to_regions(SecretId='other',
    AddReplicaRegions=[{'Region': 'us-east-1'}]))
check(code == 'InvalidParameterException', 'replica in the primary region refused')
# Promotion: the replica becomes a standalone secret in its region.
out = west.stop_replication_to_replica(SecretId='app/key')
check(out['ARN'].startswith('arn:aws:secretsmanager:eu-west-1:'), 'promoted ARN')
d = west.describe_secret(SecretId='app/key')
check('PrimaryRegion' not in d and 'ReplicationStatus' not in d, 'standalone')
west.put_secret_value(SecretId='app/key', SecretString='local')
check(east.get_secret_value(SecretId='app/key')['SecretString'] == CANARY + '-2', 'primary untouched')
check('ReplicationStatus' not in east.describe_secret(SecretId='app/key'), 'primary has no replica left')
code, _ = error_of(lambda: east.stop_replication_to_replica(SecretId='app/key'))
check(code == 'InvalidParameterException', 'not a replica')
# Removal deletes the replica.
out = east.remove_regions_from_replication(SecretId='other', RemoveReplicaRegions=['eu-west-1'])
check(out['ReplicationStatus'] == [], 'removed')
code, _ = error_of(lambda: west.describe_secret(SecretId='other'))
check(code == 'ResourceNotFoundException', 'replica gone')
east.delete_secret(SecretId='other', ForceDeleteWithoutRecovery=True)
print('ok')
)PY");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& text : {r.out, r.err, Slurp(dir.File("server.log")),
                           Slurp(dir.File("access.log"))}) {
    EXPECT_EQ(text.find(kCanary), std::string::npos);
  }
}

}  // namespace
}  // namespace keyward::testing
