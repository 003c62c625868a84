"""Side-by-side benchmark of `orgtrail plan` (see scripts/bench)."""
import atexit
import base64
import concurrent.futures as cf
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import boto3

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/orgtrail")
VENV = os.path.join(ROOT, ".venv/bin")

s = socket.socket(); s.bind(("127.0.0.1", 0)); PORT = s.getsockname()[1]; s.close()
EP = f"http://127.0.0.1:{PORT}"
REC = tempfile.NamedTemporaryFile(delete=False, suffix=".jsonl").name
env = dict(os.environ, MOTO_ENABLE_RECORDING="1", MOTO_RECORDER_FILEPATH=REC)
moto = subprocess.Popen([f"{VENV}/moto_server", "-H", "127.0.0.1", "-p", str(PORT)], env=env,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
PROCS = [moto]

@atexit.register
def _cleanup():
    # Also on an error half-way: leave no server running and no generated script behind.
    for p in PROCS:
        p.terminate()
    for f in (os.path.join(ROOT, "scripts", "bench_reads.py"), REC):
        try:
            os.unlink(f)
        except FileNotFoundError:
            pass

for _ in range(300):
    try:
        urllib.request.urlopen(f"{EP}/moto-api/data.json", timeout=1); break
    except Exception:
        time.sleep(0.05)

def recorder(action):
    # moto's request recorder counts calls; it is switched on only while counting, so that the
    # timed runs do not pay for it (it appends every request to a file).
    urllib.request.urlopen(urllib.request.Request(f"{EP}/moto-api/recorder/{action}", method="POST"), timeout=5).read()
recorder("stop-recording")

def recorded(fn):
    """The requests moto received while `fn` ran."""
    recorder("reset-recording"); recorder("start-recording")
    try:
        fn()
    finally:
        recorder("stop-recording")
    with open(REC) as f:
        rows = [json.loads(line) for line in f]
    # Leave out the contract layer's own reads of moto's state (marked, see contract/wire.rs).
    return [r for r in rows if not any(k.lower() == CONTRACT_MARKER for k in (r.get("headers") or {}))]

# The network to AWS, stood in for: a loopback proxy in front of moto that answers every request
# after RTT_MS, concurrently, replaying moto's own response for a read it has seen (see
# crates/orgtrail-testsupport/src/proxy.rs, Mode::Latency). moto alone answers one request at a time.
RTT_MS = int(os.environ.get("BENCH_RTT_MS", "20"))
CONTRACT_MARKER = "x-orgtrail-contract"
# orgtrail talks to moto through the AWS contract layer (docs/aws-contract.md), as in the tests:
# moto answers some reads in shapes AWS's SDKs cannot read (GetBucketVersioning) or not as S3
# does (default encryption); the layer answers as AWS. Seeding talks to moto directly.
layer = subprocess.Popen([os.path.join(ROOT, "target/release/contract-proxy"), str(PORT), "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
PROCS.append(layer)
LAYER_PORT = int(layer.stdout.readline().strip())
lat = subprocess.Popen([os.path.join(ROOT, "target/release/latency-proxy"), str(LAYER_PORT), str(RTT_MS)],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
PROCS.append(lat)
LAT_EP = f"http://127.0.0.1:{lat.stdout.readline().strip()}"

AWS_ENV = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{LAYER_PORT}", AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_REGION="us-east-2", AWS_DEFAULT_REGION="us-east-2", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true", NO_COLOR="1")
os.environ.update({k: v for k, v in AWS_ENV.items() if k.startswith("AWS_")})
# The peers talk to moto directly: one loopback hop less than orgtrail, which can only favour them
# (boto3 and the aws CLI read moto's answers as they are).
PEER_ENV = dict(AWS_ENV, AWS_ENDPOINT_URL=EP)

def c(svc, region="us-east-2"):
    return boto3.client(svc, endpoint_url=EP, region_name=region)

# Scenario: the converged seed situation (org trail in place), plus other trails up to the limit.
c("organizations", "us-east-1").create_organization(FeatureSet="ALL")
c("s3").create_bucket(Bucket="my-bucket", CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
# The greenfield apply that creates it is counted too: reads and writes, in the order moto got them.
def greenfield_apply():
    global APPLY_MS
    t = time.perf_counter()
    subprocess.run([BIN, "apply", "specs/org-trail.yaml", "--auto-approve"], env=AWS_ENV, cwd=ROOT,
                   check=True, capture_output=True)
    APPLY_MS = (time.perf_counter() - t) * 1000
APPLY_ROWS = recorded(greenfield_apply)

def operation(r):
    target = {k.lower(): v for k, v in r["headers"].items()}.get("x-amz-target")
    if target:
        return target.rsplit(".", 1)[1]
    body = base64.b64decode(r["body"]).decode(errors="replace") if r["body_encoded"] else (r["body"] or "")
    for kv in body.split("&"):
        if kv.startswith("Action="):
            return kv[len("Action="):]
    sub = r["url"].split("?", 1)[1].split("=")[0] if "?" in r["url"] else ""
    return f"S3 {r['method']} ?{sub}"

def is_write(r):
    op = operation(r)
    if op.startswith("S3 "):
        return r["method"] not in ("GET", "HEAD")
    return op.startswith(("Create", "Update", "Put", "Start", "Stop", "Enable", "Disable", "Add", "Remove", "Delete", "Register"))

ARN = "arn:aws:cloudtrail:us-east-2:123456789012:trail/my-trail"
# The same reads orgtrail makes, as (service, region, method, kwargs); round 2 depends on round 1.
ROUND1 = [("sts", "us-east-1", "get_caller_identity", {}),
          ("organizations", "us-east-1", "describe_organization", {}),
          ("organizations", "us-east-1", "list_aws_service_access_for_organization", {}),
          ("s3", "us-east-2", "get_bucket_policy", {"Bucket": "my-bucket"}),
          # The bucket protections the default spec manages (read in the same round as the policy).
          ("s3", "us-east-2", "get_public_access_block", {"Bucket": "my-bucket"}),
          ("s3", "us-east-2", "get_bucket_encryption", {"Bucket": "my-bucket"}),
          ("s3", "us-east-2", "get_bucket_ownership_controls", {"Bucket": "my-bucket"}),
          ("s3", "us-east-2", "get_bucket_versioning", {"Bucket": "my-bucket"}),
          ("cloudtrail", "us-east-2", "describe_trails", {"includeShadowTrails": True})]
ROUND2 = [("cloudtrail", "us-east-2", "get_trail_status", {"Name": ARN}),
          ("cloudtrail", "us-east-2", "get_event_selectors", {"TrailName": ARN}),
          ("cloudtrail", "us-east-2", "get_insight_selectors", {"TrailName": ARN}),
          ("cloudtrail", "us-east-2", "list_tags", {"ResourceIdList": [ARN]})]
CLIENTS = {}
def call(spec):
    svc, region, method, kw = spec
    cl = CLIENTS.setdefault((svc, region), c(svc, region))
    try:
        return getattr(cl, method)(**kw)
    except cl.exceptions.ClientError:
        return None  # e.g. no encryption configuration (moto, unlike S3): an answer like any other

def boto3_sequential():
    for sp in ROUND1 + ROUND2:
        call(sp)

def boto3_concurrent():
    with cf.ThreadPoolExecutor(8) as ex:
        list(ex.map(call, ROUND1))
        list(ex.map(call, ROUND2))

def cli_args(spec):
    svc, region, method, kw = spec
    args = [f"{VENV}/aws", "s3api" if svc == "s3" else svc, method.replace("_", "-"), "--region", region]
    flags = {"Bucket": "--bucket", "Name": "--name", "TrailName": "--trail-name", "ResourceIdList": "--resource-id-list"}
    for k, v in kw.items():
        if k == "includeShadowTrails":
            args.append("--include-shadow-trails")
        else:
            args += [flags[k]] + (v if isinstance(v, list) else [v])
    return args

def aws_cli():
    for sp in ROUND1 + ROUND2:
        # Not checked: moto answers GetBucketEncryption "not found" where S3 reports SSE-S3.
        subprocess.run(cli_args(sp), env=PEER_ENV, capture_output=True)

def orgtrail_plan():
    subprocess.run([BIN, "plan", "specs/org-trail.yaml"], env=AWS_ENV, cwd=ROOT, check=True, capture_output=True)

def orgtrail_version():
    subprocess.run([BIN, "--version"], check=True, capture_output=True)

def orgtrail_validate():
    subprocess.run([BIN, "validate", "specs/org-trail.yaml"], cwd=ROOT, check=True, capture_output=True)

def boto3_process():
    # A fresh Python process making the same reads (what a boto3 script costs end to end).
    code = ("import boto3,sys;sys.path.insert(0,%r);" % os.path.join(ROOT, "scripts")) + \
           "import bench_reads; bench_reads.run()"
    subprocess.run([f"{VENV}/python", "-c", code], env=PEER_ENV, check=True, capture_output=True)

with open(os.path.join(ROOT, "scripts", "bench_reads.py"), "w") as f:
    f.write("import boto3, os\nEP=os.environ['AWS_ENDPOINT_URL']\nARN=%r\n" % ARN)
    f.write("SPECS=%r\n" % (ROUND1 + ROUND2))
    f.write("def run():\n    cl={}\n    for svc,region,method,kw in SPECS:\n"
            "        c=cl.setdefault((svc,region), boto3.client(svc, endpoint_url=EP, region_name=region))\n"
            "        try:\n            getattr(c, method)(**kw)\n"
            "        except c.exceptions.ClientError:\n            pass\n")

def timed(fn):
    t = time.perf_counter(); fn(); return time.perf_counter() - t

def count_calls(fn):
    return len(recorded(fn))

def serial_floor(rows):
    """moto's own time for exactly these (read) requests, sent one at a time with a bare HTTP
    client: what any client needs at least, since moto serves one request at a time."""
    def once():
        total = 0.0
        for r in rows:
            body = base64.b64decode(r["body"]) if r["body_encoded"] else (r["body"] or "").encode()
            headers = {k: v for k, v in r["headers"].items() if k.lower() not in ("content-length", "transfer-encoding")}
            # The URL names the port it was sent to (moto's or the contract layer's): keep the path.
            u = urllib.parse.urlsplit(r["url"])
            path = u.path + (f"?{u.query}" if u.query else "")
            conn = http.client.HTTPConnection("127.0.0.1", PORT)
            t = time.perf_counter()
            conn.request(r["method"], path, body=body, headers=headers)
            conn.getresponse().read()
            total += time.perf_counter() - t
            conn.close()
        return total
    return statistics.median([once() for _ in range(5)])

runs = {k: [] for k in ["orgtrail plan", "boto3 script (process)", "boto3 in-process, sequential",
                        "boto3 in-process, concurrent", "aws CLI per read", "orgtrail --version", "orgtrail validate"]}
boto3_sequential()  # warm clients
for _ in range(ROUNDS):  # alternate the programs within each round
    runs["orgtrail plan"].append(timed(orgtrail_plan))
    runs["boto3 script (process)"].append(timed(boto3_process))
    runs["boto3 in-process, sequential"].append(timed(boto3_sequential))
    runs["boto3 in-process, concurrent"].append(timed(boto3_concurrent))
    runs["aws CLI per read"].append(timed(aws_cli))
    runs["orgtrail --version"].append(timed(orgtrail_version))
    runs["orgtrail validate"].append(timed(orgtrail_validate))

med = {k: statistics.median(v) for k, v in runs.items()}
# Ratios are paired: each round's peer time over the same round's orgtrail time, then the median,
# so a slow stretch of the (shared, 2-CPU) machine affects both sides of a ratio alike.
paired = {k: statistics.median(a / b for a, b in zip(v, runs["orgtrail plan"])) for k, v in runs.items()}
calls = {"orgtrail plan": count_calls(orgtrail_plan), "boto3 script (process)": count_calls(boto3_process),
         "aws CLI per read": count_calls(aws_cli)}
# Critical path: two dependent rounds; a round costs its slowest call. Measured per call, sequentially.
per_call = {}
for sp in ROUND1 + ROUND2:
    ts = []
    for _ in range(ROUNDS):
        t = time.perf_counter(); call(sp); ts.append(time.perf_counter() - t)
    per_call[sp[2]] = statistics.median(ts)
chain = max(per_call[sp[2]] for sp in ROUND1) + max(per_call[sp[2]] for sp in ROUND2)
bound = med["orgtrail --version"] + chain
def round_concurrent(specs):
    with cf.ThreadPoolExecutor(8) as ex:
        t = time.perf_counter(); list(ex.map(call, specs)); return time.perf_counter() - t
chain_conc = statistics.median([round_concurrent(ROUND1) + round_concurrent(ROUND2) for _ in range(ROUNDS)])
bound_conc = med["orgtrail --version"] + chain_conc

print(f"\norgtrail plan benchmark — {ROUNDS} rounds, moto on 127.0.0.1, {os.cpu_count()} CPUs\n")
print(f"{'program':34} {'median ms':>10} {'API calls':>10} {'orgtrail is ×faster':>20}")
for k in runs:
    ratio = paired[k]
    print(f"{k:34} {med[k]*1000:10.1f} {str(calls.get(k, '')):>10} {ratio:20.1f}")
print(f"\ncritical path: start-up {med['orgtrail --version']*1000:.1f} ms + longest chain of dependent calls "
      f"{chain*1000:.1f} ms = {bound*1000:.1f} ms")
print(f"  orgtrail plan / that bound = {med['orgtrail plan']/bound:.2f} (assumes the server answers the calls of a round in parallel)")
print(f"critical path, calls of each round issued concurrently (measured): start-up {med['orgtrail --version']*1000:.1f} ms + "
      f"{chain_conc*1000:.1f} ms = {bound_conc*1000:.1f} ms")
print(f"  orgtrail plan / that bound = {med['orgtrail plan']/bound_conc:.2f} (target ≤ 1.5)")
kinds = "".join("W" if is_write(r) else "r" for r in APPLY_ROWS)
print(f"greenfield apply: {kinds.count('r')} reads + {kinds.count('W')} writes in {APPLY_MS:.0f} ms, in order {kinds} "
      f"(writes: {', '.join(operation(r) for r in APPLY_ROWS if is_write(r))})")
print(f"same reads sequential {med['boto3 in-process, sequential']*1000:.1f} ms vs concurrent "
      f"{med['boto3 in-process, concurrent']*1000:.1f} ms (in one warm Python process)")

LAT_ENV = dict(AWS_ENV, AWS_ENDPOINT_URL=LAT_EP)

def median_of(fn):
    fn()  # warm: the page cache, and the latency proxy's replay cache
    return statistics.median([timed(fn) for _ in range(ROUNDS)])

print(f"\ncritical path with {RTT_MS} ms RTT: start-up {med['orgtrail --version']*1000:.1f} ms + 2 dependent rounds × {RTT_MS} ms "
      f"= {med['orgtrail --version']*1000 + 2*RTT_MS:.1f} ms")
lat_one = median_of(lambda: subprocess.run([BIN, "plan", "specs/org-trail.yaml"], env=LAT_ENV, cwd=ROOT, check=True, capture_output=True))
print(f"  orgtrail plan specs/org-trail.yaml: {lat_one*1000:.1f} ms = {lat_one*1000/(med['orgtrail --version']*1000 + 2*RTT_MS):.2f} × that bound (target ≤ 1.5)")

# A hardened log archive (every bucket protection, docs/spec.md): its protection reads run in the
# same round as the bucket-policy read, so the plan stays at 2 dependent rounds.
c("s3").create_bucket(Bucket="bench-access-logs", CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
hardened = os.path.join(tempfile.mkdtemp(prefix="orgtrail-hardened-"), "hardened.yaml")
with open(hardened, "w") as f:
    f.write("version: 1\nbucket:\n  name: bench-hardened\n  create: true\n"
            "  lifecycle: {expire_days: 400, noncurrent_expire_days: 90, archive_after_days: 90}\n"
            "  object_lock: {mode: GOVERNANCE, days: 365}\n"
            "  access_logging: {target_bucket: bench-access-logs, prefix: cloudtrail/}\n"
            "trail:\n  name: bench-hardened\n  home_region: us-east-2\n")
subprocess.run([BIN, "apply", hardened, "--auto-approve"], env=AWS_ENV, cwd=ROOT, check=True, capture_output=True)
plan_hardened = lambda env: (lambda: subprocess.run([BIN, "plan", hardened], env=env, cwd=ROOT, check=True, capture_output=True))
default_calls = len(recorded(lambda: subprocess.run([BIN, "plan", "specs/org-trail.yaml"], env=AWS_ENV, cwd=ROOT, check=True, capture_output=True)))
hardened_calls = len(recorded(plan_hardened(AWS_ENV)))
lat_hardened = median_of(plan_hardened(LAT_ENV))
print(f"  hardened log archive (every protection): {lat_hardened*1000:.1f} ms = "
      f"{lat_hardened*1000/(med['orgtrail --version']*1000 + 2*RTT_MS):.2f} × that bound (target ≤ 1.5); "
      f"{hardened_calls} API calls (the default spec: {default_calls})")

# Scale: N specs over 5 home regions, each region at CloudTrail's limit of 5 trails (4 ours + 1 other).
# Single-region trails: a multi-region trail counts in every region, so 20 would exceed the limit.
# The trails above apply to all regions, so they count against the limit of 5 trails in
# each (the AWS contract layer enforces it, like AWS): remove it first.
# The log-archive layout (docs/layout.md): the bucket in a member account, read and changed through
# its role. AssumeRole starts in the first round, so the plan is at most 3 dependent rounds.
acct = c("organizations", "us-east-1").create_account(AccountName="log-archive", Email="la@example.com")
LA = acct["CreateAccountStatus"]["AccountId"]
LA_ROLE = f"arn:aws:iam::{LA}:role/OrganizationAccountAccessRole"
cr = c("sts", "us-east-1").assume_role(RoleArn=LA_ROLE, RoleSessionName="bench")["Credentials"]
boto3.client("s3", endpoint_url=EP, region_name="us-east-2", aws_access_key_id=cr["AccessKeyId"],
             aws_secret_access_key=cr["SecretAccessKey"], aws_session_token=cr["SessionToken"]) \
    .create_bucket(Bucket="bench-org-logs", CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
layout = os.path.join(tempfile.mkdtemp(prefix="orgtrail-layout-"), "layout.yaml")
with open(layout, "w") as f:
    f.write(f"version: 1\nbucket:\n  name: bench-org-logs\n  account: \"{LA}\"\n  role_arn: {LA_ROLE}\n"
            "trail:\n  name: bench-layout\n  home_region: us-east-2\n")
subprocess.run([BIN, "apply", layout, "--auto-approve"], env=AWS_ENV, cwd=ROOT, check=True, capture_output=True)
plan_layout = lambda env: (lambda: subprocess.run([BIN, "plan", layout], env=env, cwd=ROOT, check=True, capture_output=True))
layout_calls = len(recorded(plan_layout(AWS_ENV)))
lat_layout = median_of(plan_layout(LAT_ENV))
bound3 = med['orgtrail --version'] * 1000 + 3 * RTT_MS
print(f"  log-archive layout (bucket in a member account, through its role): {lat_layout*1000:.1f} ms = "
      f"{lat_layout*1000/bound3:.2f} × its bound of 3 dependent rounds ({bound3:.1f} ms; target ≤ 1.5); {layout_calls} API calls")

for t in ("my-trail", "bench-hardened", "bench-layout"):
    c("cloudtrail", "us-east-2").delete_trail(Name=t)
REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1"]
fleet = tempfile.mkdtemp(prefix="orgtrail-fleet-")
for r in REGIONS:
    kw = {} if r == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": r}}
    c("s3", r).create_bucket(Bucket=f"fleet-{r}", **kw)
    c("cloudtrail", r).create_trail(Name=f"other-{r}", S3BucketName=f"fleet-{r}")
for i in range(20):
    r = REGIONS[i % 5]
    with open(os.path.join(fleet, f"t{i:02}.yaml"), "w") as f:
        f.write(f"version: 1\nbucket:\n  name: fleet-{r}\ntrail:\n  name: fleet-{i:02}\n  home_region: {r}\n  multi_region: false\n")
r = subprocess.run([BIN, "apply", fleet, "--auto-approve"], env=AWS_ENV, cwd=ROOT, capture_output=True, text=True)
if r.returncode != 0:
    sys.exit(f"the fleet apply failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")

def plan_dir(d, env, conc=16):
    return lambda: subprocess.run([BIN, "plan", d, "--max-concurrency", str(conc)], env=env, cwd=ROOT,
                                  check=True, capture_output=True)

dirs = {}
for n in [1, 5, 10, 20]:
    d = tempfile.mkdtemp(prefix=f"orgtrail-{n}-")
    for i in range(n):
        name = f"t{i:02}.yaml"
        os.symlink(os.path.join(fleet, name), os.path.join(d, name))
    dirs[n] = d

print(f"\nscale: plan of N specs (converged), 5 home regions each at the 5-trail limit, --max-concurrency 16")
print(f"  moto: served directly (one request at a time); {RTT_MS} ms RTT: every call answered after {RTT_MS} ms, in parallel")
print("  moto floor: moto's own time for the same requests sent one at a time by a bare HTTP client")
print(f"{'specs':>6} {'API calls':>10} {'moto ms':>9} {'× one':>6} {'floor ms':>9} {'× floor':>8} {f'{RTT_MS} ms RTT':>11} {'× one':>6}")
one = one_lat = None
for n, d in dirs.items():
    m = median_of(plan_dir(d, AWS_ENV))
    ml = median_of(plan_dir(d, LAT_ENV))
    rows = recorded(plan_dir(d, AWS_ENV))
    floor = serial_floor(rows)
    one, one_lat = one or m, one_lat or ml
    print(f"{n:>6} {len(rows):>10} {m*1000:9.1f} {m/one:6.1f} {floor*1000:9.1f} {m/floor:8.2f} {ml*1000:11.1f} {ml/one_lat:6.1f}")

print(f"\nthe concurrency bound, 20 specs with {RTT_MS} ms RTT (requests in flight per endpoint, i.e. service and region)")
print(f"{'--max-concurrency':>18} {'median ms':>10} {'× one spec':>11}")
for conc in [1, 4, 16]:
    m = median_of(plan_dir(dirs[20], LAT_ENV, conc))
    print(f"{conc:>18} {m*1000:10.1f} {m/one_lat:11.1f}")

# Eventual consistency: greenfield apply through the AWS contract layer (docs/aws-contract.md),
# once strongly consistent and once with a propagation delay after each prerequisite write
# (EnableAWSServiceAccess, PutBucketPolicy): CloudTrail refuses CreateTrail until the writes have
# propagated, and reads show the old state meanwhile. Target: with delay D, the apply takes at
# most 1.3 × (D + the same apply without delay), i.e. orgtrail's retries do not overshoot.
DELAY_MS = int(os.environ.get("BENCH_PROPAGATION_MS", "2000"))
def contract_layer(delay_ms):
    p = subprocess.Popen([os.path.join(ROOT, "target/release/contract-proxy"), str(PORT), str(delay_ms)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    PROCS.append(p)
    return dict(AWS_ENV, AWS_ENDPOINT_URL=f"http://127.0.0.1:{p.stdout.readline().strip()}")

def fresh_greenfield():
    urllib.request.urlopen(urllib.request.Request(f"{EP}/moto-api/reset", method="POST"), timeout=5).read()
    c("organizations", "us-east-1").create_organization(FeatureSet="ALL")
    c("s3").create_bucket(Bucket="my-bucket", CreateBucketConfiguration={"LocationConstraint": "us-east-2"})

def timed_greenfield_apply(env):
    fresh_greenfield()
    t = time.perf_counter()
    subprocess.run([BIN, "apply", "specs/org-trail.yaml", "--auto-approve"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    return time.perf_counter() - t

strict, delayed = contract_layer(0), contract_layer(DELAY_MS)
EC_ROUNDS = min(ROUNDS, 5)
pairs = [(timed_greenfield_apply(strict), timed_greenfield_apply(delayed)) for _ in range(EC_ROUNDS)]
base = statistics.median(a for a, _ in pairs)
slow = statistics.median(b for _, b in pairs)
bound = DELAY_MS / 1000 + base
print(f"\neventual consistency: greenfield apply through the contract layer, {EC_ROUNDS} rounds, median")
print(f"  no propagation delay: {base*1000:.0f} ms; {DELAY_MS} ms delay after each prerequisite write: {slow*1000:.0f} ms")
print(f"  {slow*1000:.0f} ms / ({DELAY_MS} ms + {base*1000:.0f} ms) = {slow/bound:.2f} (target ≤ 1.3); "
      f"per round: {', '.join(f'{b/(DELAY_MS/1000+a):.2f}' for a, b in pairs)}")
