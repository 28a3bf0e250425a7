package dev.opsbus.ssh;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Sockets to SSH hosts with Nagle's algorithm off ({@code TCP_NODELAY}). sshj leaves it on, so a
 * keystroke written while an earlier small packet (a window adjust, the previous keystroke) waits
 * for its ACK is held back until the host's delayed ACK, tens of ms on Linux; a terminal writes one
 * small packet per keystroke and must not wait.
 */
final class NoDelaySockets extends SocketFactory {

  static final NoDelaySockets INSTANCE = new NoDelaySockets();

  private NoDelaySockets() {
  }

  private static Socket noDelay(Socket s) throws IOException {
    s.setTcpNoDelay(true);
    return s;
  }

  @Override
  public Socket createSocket() throws IOException {
    return noDelay(new Socket());
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return noDelay(new Socket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return noDelay(new Socket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return noDelay(new Socket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
    return noDelay(new Socket(address, port, localAddress, localPort));
  }
}
