// A CRI client built on Debian's grpc-go (< 1.57), dialing the way kubelet <= 1.28 does: the socket path as the
// target with a custom dialer, so grpc-go sends the path as the HTTP/2 :authority. Calls runtime.v1 Version and
// ImageService ListImages N times over one connection with a raw-bytes codec (no generated code) and prints the
// hex of each Version response and the number of successful calls.
// Usage: oldgrpc-client SOCKET_PATH CALLS
package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strconv"
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

func main() {
	path := os.Args[1]
	calls, _ := strconv.Atoi(os.Args[2])
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dialer := func(ctx context.Context, addr string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", addr)
	}
	conn, err := grpc.DialContext(ctx, path, grpc.WithInsecure(), grpc.WithBlock(), grpc.WithContextDialer(dialer))
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(2)
	}
	defer conn.Close()
	ok := 0
	for i := 0; i < calls; i++ {
		req := []byte{}
		var res []byte
		if err := conn.Invoke(ctx, "/runtime.v1.RuntimeService/Version", &req, &res, grpc.ForceCodec(rawCodec{})); err != nil {
			fmt.Fprintln(os.Stderr, "Version:", err)
			os.Exit(1)
		}
		if i == 0 {
			fmt.Println("version", hex.EncodeToString(res))
		}
		var imgs []byte
		if err := conn.Invoke(ctx, "/runtime.v1.ImageService/ListImages", &req, &imgs, grpc.ForceCodec(rawCodec{})); err != nil {
			fmt.Fprintln(os.Stderr, "ListImages:", err)
			os.Exit(1)
		}
		ok += 2
	}
	fmt.Println("ok", ok)
}
