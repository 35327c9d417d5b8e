import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A CRI client on grpc-java (Debian's libgrpc-java, Netty transport) over a unix socket, driven line by line:
 *   stdin  "N unary /runtime.v1.RuntimeService/Version HEX"  → stdout "N ok HEX" | "N err CODE description"
 *   stdin  "N stream METHOD HEX"  → "N headers", "N msg HEX" per message, "N closed CODE"; "N cancel" cancels it.
 * Requests and responses are raw protobuf bytes (the caller encodes and decodes them), over one ManagedChannel
 * built the way a Java user dials a unix socket: NettyChannelBuilder.forAddress(socket address).
 * Usage: CriClient SOCKET_PATH. Prints "transport epoll|jdk" first.
 */
public final class CriClient {
  static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
    public InputStream stream(byte[] value) { return new ByteArrayInputStream(value); }
    public byte[] parse(InputStream in) {
      try { return in.readAllBytes(); } catch (java.io.IOException e) { throw new RuntimeException(e); }
    }
  };

  static synchronized void out(String line) { System.out.println(line); System.out.flush(); }

  static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type).setFullMethodName(name.substring(1))
        .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
  }

  public static void main(String[] args) throws Exception {
    String path = args[0];
    NettyChannelBuilder builder;
    if (Epoll.isAvailable()) {
      out("transport epoll");
      builder = NettyChannelBuilder.forAddress(new DomainSocketAddress(path))
          .eventLoopGroup(new EpollEventLoopGroup(1)).channelType(EpollDomainSocketChannel.class);
    } else {
      out("transport jdk");
      builder = NettyChannelBuilder.forAddress(UnixDomainSocketAddress.of(path))
          .eventLoopGroup(new NioEventLoopGroup(1)).channelType(JdkUnixChannel.class);
    }
    ManagedChannel channel = builder.usePlaintext().maxInboundMessageSize(16 * 1024 * 1024).build();
    Map<String, ClientCall<byte[], byte[]>> streams = new ConcurrentHashMap<>();
    HexFormat hex = HexFormat.of();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null; ) {
      String[] f = line.split(" ");
      String id = f[0];
      if (f[1].equals("cancel")) { streams.remove(id).cancel("done", null); continue; }
      byte[] req = f.length > 3 ? hex.parseHex(f[3]) : new byte[0];
      if (f[1].equals("unary")) {
        CallOptions opts = CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS);
        try {
          byte[] res = ClientCalls.blockingUnaryCall(channel, method(f[2], MethodDescriptor.MethodType.UNARY), opts, req);
          out(id + " ok " + hex.formatHex(res));
        } catch (StatusRuntimeException e) {
          out(id + " err " + e.getStatus().getCode() + " " + e.getStatus().getDescription());
        }
        continue;
      }
      ClientCall<byte[], byte[]> call = channel.newCall(method(f[2], MethodDescriptor.MethodType.SERVER_STREAMING), CallOptions.DEFAULT);
      streams.put(id, call);
      call.start(new ClientCall.Listener<byte[]>() {
        @Override public void onHeaders(Metadata headers) { out(id + " headers"); }
        @Override public void onMessage(byte[] message) { out(id + " msg " + hex.formatHex(message)); call.request(1); }
        @Override public void onClose(Status status, Metadata trailers) { out(id + " closed " + status.getCode()); }
      }, new Metadata());
      call.sendMessage(req);
      call.halfClose();
      call.request(1);
    }
    channel.shutdown().awaitTermination(10, TimeUnit.SECONDS);
    System.exit(0);
  }
}
