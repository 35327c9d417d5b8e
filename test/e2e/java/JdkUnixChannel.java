import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.FileRegion;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.nio.AbstractNioByteChannel;
import io.netty.channel.nio.NioEventLoop;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A Netty client channel on the JDK's own unix-domain SocketChannel (JDK 16+). Only the socket: grpc-java's
 * HTTP/2 and gRPC layers above it are the packaged ones. Needed because Debian's Netty 4.1.48 ships the
 * EpollDomainSocketChannel classes without their native library, and its NioSocketChannel cannot wrap a
 * unix-domain channel (it asks the channel for a java.net.Socket, which such a channel does not have).
 */
public final class JdkUnixChannel extends AbstractNioByteChannel {
  private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
  private final ChannelConfig config = new DefaultChannelConfig(this);

  public JdkUnixChannel() throws IOException {
    super(null, SocketChannel.open(StandardProtocolFamily.UNIX));
  }

  @Override protected SocketChannel javaChannel() { return (SocketChannel) super.javaChannel(); }
  @Override public ChannelConfig config() { return config; }
  @Override public ChannelMetadata metadata() { return METADATA; }
  @Override public boolean isOpen() { return javaChannel().isOpen(); }
  @Override public boolean isActive() { return javaChannel().isOpen() && javaChannel().isConnected(); }
  @Override protected boolean isCompatible(EventLoop loop) { return loop instanceof NioEventLoop; }
  @Override protected SocketAddress localAddress0() { return null; }
  @Override protected SocketAddress remoteAddress0() {
    try { return javaChannel().getRemoteAddress(); } catch (IOException e) { return null; }
  }
  @Override protected void doBind(SocketAddress local) throws IOException { javaChannel().bind(local); }
  @Override protected void doDisconnect() throws IOException { doClose(); }
  @Override protected void doClose() throws IOException { javaChannel().close(); }

  @Override protected boolean doConnect(SocketAddress remote, SocketAddress local) throws IOException {
    if (local != null) javaChannel().bind(local);
    boolean connected = javaChannel().connect(remote);
    if (!connected) selectionKey().interestOps(SelectionKey.OP_CONNECT);
    return connected;
  }

  @Override protected void doFinishConnect() throws IOException {
    if (!javaChannel().finishConnect()) throw new IOException("unix socket connect did not finish");
  }

  @Override protected int doReadBytes(ByteBuf buf) throws IOException {
    RecvByteBufAllocator.Handle handle = unsafe().recvBufAllocHandle();
    handle.attemptedBytesRead(buf.writableBytes());
    return buf.writeBytes(javaChannel(), handle.attemptedBytesRead());
  }

  @Override protected int doWriteBytes(ByteBuf buf) throws IOException {
    return buf.readBytes(javaChannel(), buf.readableBytes());
  }

  @Override protected long doWriteFileRegion(FileRegion region) throws IOException {
    return region.transferTo(javaChannel(), region.transferred());
  }

  @Override protected ChannelFuture shutdownInput() {
    try { javaChannel().shutdownInput(); return newSucceededFuture(); } catch (IOException e) { return newFailedFuture(e); }
  }
}
