// The PLEG relist as kubelet (a grpc-go client) makes it, timed from Go: no V8 garbage collector in the client.
// One connection per CRI endpoint, dialed as kubelet dials (the socket path as the target, a context dialer, 16 MiB
// receive limit), in one of two ways: as older kubelets, whose grpc-go (1.33 here) then sends the socket path as
// HTTP/2 :authority, or, for the targets named in -localhost, with :authority "localhost" (grpc.WithAuthority), as
// kubelet's CRI client sets it now; a raw-bytes codec, so no generated code: the requests are written as protobuf
// bytes and the responses walked with a minimal wire-format reader counting the repeated field 1 (items /
// containers). A relist that sees fewer than the expected pods or containers fails the probe: it cannot time errors.
//
// Per endpoint: WARMUP unrecorded relists, one endpoint after the other; then SAMPLES recorded relists each,
// interleaved in blocks of BLOCK (SWITCH unrecorded relists at each switch, the order rotating each round) as the
// Node client of the bench does. A relist is ListPodSandbox with no filter, then ListContainers with an empty filter.
//
// Output, JSON lines on stdout: {"type":"warmup","target":...,"n":...,"p50":...,"p99":...} per endpoint,
// {"type":"sample","target":...,"ms":...,"podsMs":...,"ctrsMs":...} per recorded relist, then
// {"type":"done","target":...,"pods":...,"containers":...,"samples":...} per endpoint. Errors: stderr, exit 1.
//
// Usage: relist-probe -pods N [-warmup N] [-samples N] [-block N] [-switch N] [-localhost NAME,...] NAME=SOCKET_PATH...
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc"
)

type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

// countField1 walks a protobuf message and counts the length-delimited entries of field 1.
func countField1(b []byte) (int, error) {
	n := 0
	for i := 0; i < len(b); {
		tag, k := uvarint(b[i:])
		if k <= 0 {
			return 0, errors.New("bad tag varint")
		}
		i += k
		switch tag & 7 {
		case 0:
			_, k = uvarint(b[i:])
			if k <= 0 {
				return 0, errors.New("bad varint")
			}
			i += k
		case 1:
			i += 8
		case 5:
			i += 4
		case 2:
			l, k := uvarint(b[i:])
			if k <= 0 || l > uint64(len(b)-i-k) {
				return 0, errors.New("bad length")
			}
			i += k + int(l)
			if tag>>3 == 1 {
				n++
			}
		default:
			return 0, fmt.Errorf("unsupported wire type %d", tag&7)
		}
		if i > len(b) {
			return 0, errors.New("truncated message")
		}
	}
	return n, nil
}

func uvarint(b []byte) (uint64, int) {
	var x uint64
	for i := 0; i < len(b) && i < 10; i++ {
		x |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return x, i + 1
		}
	}
	return 0, -1
}

type target struct {
	name  string
	conn  *grpc.ClientConn
	pods  int
	ctrs  int
	times []float64
}

var (
	podsReq = []byte{}           // ListPodSandboxRequest{filter: nil}
	ctrsReq = []byte{0x0a, 0x00} // ListContainersRequest{filter: {}}
)

func call(c *grpc.ClientConn, method string, req []byte) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var res []byte
	if err := c.Invoke(ctx, "/runtime.v1.RuntimeService/"+method, &req, &res, grpc.ForceCodec(rawCodec{})); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", method, err)
	}
	n, err := countField1(res)
	if err != nil {
		return nil, 0, fmt.Errorf("%s response: %w", method, err)
	}
	return res, n, nil
}

// relist makes one relist and checks its counts; it returns the ms of each list call.
func relist(t *target, want int) (float64, float64) {
	a := time.Now()
	_, pods, err := call(t.conn, "ListPodSandbox", podsReq)
	b := time.Now()
	if err == nil {
		var ctrs int
		_, ctrs, err = call(t.conn, "ListContainers", ctrsReq)
		t.pods, t.ctrs = pods, ctrs
	}
	e := time.Now()
	if err != nil {
		fail("%s: %v", t.name, err)
	}
	// At least the pods the bench made (as the Node relist checks): others may run on the same runtime.
	if t.pods < want || t.ctrs < want {
		fail("%s: relist saw %d pods, %d containers; expected at least %d", t.name, t.pods, t.ctrs, want)
	}
	return ms(b.Sub(a)), ms(e.Sub(b))
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "relist-probe: "+format+"\n", args...)
	os.Exit(1)
}

func pct(sorted []float64, p float64) float64 {
	rank := int(p / 100 * float64(len(sorted)))
	if float64(rank) < p/100*float64(len(sorted)) {
		rank++
	}
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

func emit(v map[string]interface{}) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

// dial connects to the socket at path; asLocalhost: with :authority "localhost", else grpc-go's default (the path).
func dial(path string, asLocalhost bool) *grpc.ClientConn {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dialer := func(ctx context.Context, addr string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", addr)
	}
	opts := []grpc.DialOption{grpc.WithInsecure(), grpc.WithBlock(), grpc.WithContextDialer(dialer),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(16 * 1024 * 1024))}
	if asLocalhost {
		opts = append(opts, grpc.WithAuthority("localhost"))
	}
	conn, err := grpc.DialContext(ctx, path, opts...)
	if err != nil {
		fail("dial %s: %v", path, err)
	}
	return conn
}

func main() {
	want := flag.Int("pods", 0, "pods (and containers, one each) every relist must see at least")
	warmup := flag.Int("warmup", 3000, "unrecorded relists per endpoint first")
	samples := flag.Int("samples", 1000, "recorded relists per endpoint")
	block := flag.Int("block", 20, "recorded relists per block")
	switchWarm := flag.Int("switch", 3, "unrecorded relists at each switch of endpoint")
	localhost := flag.String("localhost", "", "comma-separated target names dialed with :authority \"localhost\"")
	flag.Parse()
	asLocalhost := map[string]bool{}
	for _, n := range strings.Split(*localhost, ",") {
		if n != "" {
			asLocalhost[n] = true
		}
	}
	var ts []*target
	for _, arg := range flag.Args() {
		eq := strings.IndexByte(arg, '=')
		if eq <= 0 {
			fail("endpoint %q: want NAME=SOCKET_PATH", arg)
		}
		path := strings.TrimPrefix(arg[eq+1:], "unix://")
		ts = append(ts, &target{name: arg[:eq], conn: dial(path, asLocalhost[arg[:eq]])})
	}
	if len(ts) == 0 || *block <= 0 {
		fail("usage: relist-probe -pods N [-warmup N] [-samples N] [-block N] [-switch N] [-localhost NAME,...] NAME=SOCKET_PATH...")
	}
	for _, t := range ts {
		w := make([]float64, 0, *warmup)
		for i := 0; i < *warmup; i++ {
			p, c := relist(t, *want)
			w = append(w, p+c)
		}
		if len(w) > 0 {
			sort.Float64s(w)
			emit(map[string]interface{}{"type": "warmup", "target": t.name, "n": len(w), "p50": pct(w, 50), "p99": pct(w, 99)})
		}
	}
	for round := 0; round*(*block) < *samples; round++ {
		for k := range ts {
			t := ts[(round+k)%len(ts)]
			for i := 0; i < *switchWarm; i++ {
				relist(t, *want)
			}
			n := *samples - round*(*block)
			if n > *block {
				n = *block
			}
			for i := 0; i < n; i++ {
				p, c := relist(t, *want)
				t.times = append(t.times, p+c)
				emit(map[string]interface{}{"type": "sample", "target": t.name, "ms": p + c, "podsMs": p, "ctrsMs": c})
			}
		}
	}
	for _, t := range ts {
		emit(map[string]interface{}{"type": "done", "target": t.name, "pods": t.pods, "containers": t.ctrs, "samples": len(t.times)})
		t.conn.Close()
	}
}
