# PATCH response to change-feed event latency at 100 watchers (see bench/feed.sh): each watcher
# reads the raw event stream on its own thread; every PATCH sets a distinct gateway, found in the events.
import socket, sys, threading, time, http.client, statistics
port=int(sys.argv[1]); hid=sys.argv[2]
N=100; ROUNDS=200
arrivals=[dict() for _ in range(N)]
ready=threading.Barrier(N+1)
def watcher(k):
    s=socket.create_connection(("127.0.0.1",port))
    s.sendall(f"GET /hypervisors?watch=true HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    f=s.makefile("rb")
    synced=False; cur=None
    while True:
        line=f.readline()
        if not line: return
        line=line.decode().rstrip("\r\n")
        if line.startswith("event:"):
            cur=line[6:]
            if cur=="SYNCED" and not synced:
                synced=True; ready.wait()
        elif line.startswith("data:") and cur=="MODIFIED":
            i=line.find('"gateway":"10.0.')
            if i>=0:
                v=line[i+16:line.find("\"",i+16)]
                arrivals[k][v]=time.perf_counter()
ts=[threading.Thread(target=watcher,args=(k,),daemon=True) for k in range(N)]
[t.start() for t in ts]
ready.wait()
c=http.client.HTTPConnection("127.0.0.1",port)
sent={}
for r in range(ROUNDS):
    v=f"{r//250}.{r%250}"
    body='{"gateway":"10.0.%s"}'%v
    c.request("PATCH",f"/hypervisors/{hid}",body); resp=c.getresponse(); resp.read()
    sent[v]=time.perf_counter()
    time.sleep(0.01)
time.sleep(2)
lat=[]
missing=0
for k in range(N):
    for v,t in sent.items():
        a=arrivals[k].get(v)
        if a is None: missing+=1
        else: lat.append((a-t)*1000)
lat.sort()
print(f"events {len(lat)} missing {missing} p50 {lat[len(lat)//2]:.2f} ms p99 {lat[int(len(lat)*0.99)]:.2f} ms (from PATCH response to event, 100 watchers, {ROUNDS} PATCHes)")
