package dev.opsbus.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

/**
 * The attacker of {@link ConnectionFloodTest}, in a process of its own (started by the test with
 * {@link #command}), so the flood's descriptors are not counted against the node's: opens silent TCP
 * connections (never a byte sent) to a port from several loopback source addresses in turn, at most
 * {@link #IN_FLIGHT} connects pending at once, at a steady rate (the attack: 20,000 in about
 * 40 s), then reads each until the server closes it.
 *
 * <p>It opens no more connections than its credit: the test writes a new total on stdin (one number
 * a line) as the node counts the connections it has taken in, so the flood never runs ahead of the
 * node's accepting by more than a margin. What is measured is what holding the connections costs
 * the node; a burst faster than the machine can accept only fills the kernel's accept queue, where
 * a legitimate client waits behind it whatever the node does (that is SYN-cookie and firewall work).
 *
 * <p>Prints one JSON line per step on stdout: {@code {"event":"opened",...}} every 1,000 connections
 * and once all are made, {@code {"event":"closed","closed":n}} as the server closes them (at most
 * every 250 ms), and {@code {"event":"done",...}} when every connection is closed or failed, or the
 * time is up, then exits.
 *
 * <pre>java dev.opsbus.gateway.FloodClient &lt;host&gt; &lt;port&gt; &lt;connections&gt; &lt;source,addresses&gt; &lt;per second&gt; &lt;seconds&gt;</pre>
 */
public final class FloodClient {

  /** Connects not yet answered, at most: a burst past the server's accept backlog only costs SYN retries. */
  static final int IN_FLIGHT = 256;

  /** The command that runs this client in a JVM of its own, with this class's classpath. */
  static List<String> command(int port, int connections, List<String> sources, int perSecond, int seconds) {
    String launcher = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classes = Path.of(FloodClient.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
    // the shell raises the soft descriptor limit to the hard one: the client holds one per connection
    return List.of("bash", "-c", "ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; exec \"$@\"", "flood-client",
        launcher, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classes, FloodClient.class.getName(),
        "127.0.0.1", String.valueOf(port), String.valueOf(connections), String.join(",", sources), String.valueOf(perSecond),
        String.valueOf(seconds));
  }

  private final InetSocketAddress target;
  private final int total;
  private final String[] sources;
  private final int perSecond;
  private volatile long credit;
  private int started;
  private int pending;
  private int opened;
  private int failed;
  private int closed;
  private String firstFailure;

  private FloodClient(InetSocketAddress target, int total, String[] sources, int perSecond) {
    this.target = target;
    this.total = total;
    this.sources = sources;
    this.perSecond = perSecond;
  }

  public static void main(String[] args) throws IOException {
    FloodClient flood = new FloodClient(new InetSocketAddress(args[0], Integer.parseInt(args[1])), Integer.parseInt(args[2]),
        args[3].split(","), Integer.parseInt(args[4]));
    Thread credits = new Thread(flood::readCredit, "credit");
    credits.setDaemon(true);
    credits.start();
    flood.run(System.nanoTime() + Long.parseLong(args[5]) * 1_000_000_000L);
  }

  private void run(long deadline) throws IOException {
    int reportedClosed = 0;
    long lastReport = 0;
    ByteBuffer buf = ByteBuffer.allocate(4096);
    long begin = System.nanoTime();
    try (Selector selector = Selector.open()) {
      while (closed + failed < total && System.nanoTime() < deadline) {
        long due = Math.min(Math.min(total, credit), (System.nanoTime() - begin) * perSecond / 1_000_000_000L + 1);
        while (started < due && pending < IN_FLIGHT) {
          connect(selector);
        }
        selector.select(started < total ? 5 : 100);
        for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey key = it.next();
          it.remove();
          SocketChannel ch = (SocketChannel) key.channel();
          if (key.isValid() && key.isConnectable()) {
            pending--;
            try {
              ch.finishConnect();
              key.interestOps(SelectionKey.OP_READ);
              opened();
            } catch (IOException e) {
              failed(e);
              key.cancel();
              ch.close();
            }
          } else if (key.isValid() && key.isReadable()) {
            int n;
            try {
              buf.clear();
              n = ch.read(buf);
            } catch (IOException reset) {
              n = -1;
            }
            if (n < 0) {
              key.cancel();
              ch.close();
              closed++;
            }
          }
        }
        long now = System.nanoTime();
        if (closed != reportedClosed && now - lastReport > 250_000_000L) {
          System.out.println("{\"event\":\"closed\",\"closed\":" + closed + "}");
          reportedClosed = closed;
          lastReport = now;
        }
      }
    }
    System.out.println("{\"event\":\"done\",\"opened\":" + opened + ",\"closed\":" + closed + ",\"failed\":" + failed
        + ",\"firstFailure\":" + (firstFailure == null ? "null" : "\"" + firstFailure.replace("\"", "'") + "\"") + "}");
    System.out.flush();
  }

  /** The test's grants: each line is the number of connections this client may have opened by now. */
  private void readCredit() {
    try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
        java.nio.charset.StandardCharsets.US_ASCII))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        credit = Math.max(credit, Long.parseLong(line.trim()));
      }
    } catch (IOException | NumberFormatException e) {
      // no more credit
    }
  }

  /** Starts the next connection from the next source address. */
  private void connect(Selector selector) throws IOException {
    SocketChannel ch = SocketChannel.open();
    String source = sources[started % sources.length];
    started++;
    try {
      ch.configureBlocking(false);
      ch.bind(new InetSocketAddress(source, 0));
      if (ch.connect(target)) {
        ch.register(selector, SelectionKey.OP_READ);
        opened();
      } else {
        ch.register(selector, SelectionKey.OP_CONNECT);
        pending++;
      }
    } catch (IOException e) {
      failed(e);
      ch.close();
    }
  }

  private void opened() {
    opened++;
    if (opened % 1000 == 0 || opened == total) {
      System.out.println("{\"event\":\"opened\",\"opened\":" + opened + ",\"failed\":" + failed + "}");
    }
  }

  private void failed(IOException e) {
    failed++;
    if (firstFailure == null) {
      firstFailure = String.valueOf(e);
    }
  }
}
