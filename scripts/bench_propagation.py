#!/usr/bin/env python3
# Greenfield apply through the AWS contract layer with and without a 2 s propagation delay after
# each prerequisite write (debug binaries, 5 rounds): the ratio apply(delay) / (delay + apply(no
# delay)) shows whether the retry interval overshoots (target <= 1.3). scripts/bench prints the same
# figure for release binaries. Run: .venv/bin/python scripts/bench_propagation.py (after
# `cargo build -p orgtrail -p orgtrail-testsupport`).
import os, socket, subprocess, time, statistics, urllib.request, sys
ROOT=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
s=socket.socket(); s.bind(("127.0.0.1",0)); PORT=s.getsockname()[1]; s.close()
moto=subprocess.Popen([f"{ROOT}/.venv/bin/moto_server","-H","127.0.0.1","-p",str(PORT)],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
EP=f"http://127.0.0.1:{PORT}"
for _ in range(100):
    try: urllib.request.urlopen(EP+"/moto-api/data.json",timeout=1); break
    except Exception: time.sleep(0.1)
import boto3
AWS=dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-2", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true", NO_COLOR="1")
def layer(ms):
    p=subprocess.Popen([f"{ROOT}/target/debug/contract-proxy",str(PORT),str(ms)],stdout=subprocess.PIPE,stderr=subprocess.DEVNULL,text=True)
    return p, dict(AWS, AWS_ENDPOINT_URL=f"http://127.0.0.1:{p.stdout.readline().strip()}")
def c(svc, region="us-east-2"): return boto3.client(svc, endpoint_url=EP, region_name=region, aws_access_key_id="bench", aws_secret_access_key="bench")
def fresh():
    urllib.request.urlopen(urllib.request.Request(EP+"/moto-api/reset",method="POST"),timeout=5).read()
    c("organizations","us-east-1").create_organization(FeatureSet="ALL")
    c("s3").create_bucket(Bucket="my-bucket", CreateBucketConfiguration={"LocationConstraint":"us-east-2"})
def run(env):
    fresh(); t=time.perf_counter()
    subprocess.run([f"{ROOT}/target/debug/orgtrail","apply","specs/org-trail.yaml","--auto-approve"],env=env,cwd=ROOT,check=True,capture_output=True)
    return time.perf_counter()-t
(p0,strict),(p1,delayed)=layer(0),layer(2000)
pairs=[(run(strict),run(delayed)) for _ in range(5)]
base=statistics.median(a for a,_ in pairs); slow=statistics.median(b for _,b in pairs)
print(f"no delay {base*1000:.0f} ms; 2000 ms delay {slow*1000:.0f} ms; ratio {slow/(2+base):.2f}; per round " + ", ".join(f"{b/(2+a):.2f}" for a,b in pairs))
for p in (p0,p1,moto): p.kill()
