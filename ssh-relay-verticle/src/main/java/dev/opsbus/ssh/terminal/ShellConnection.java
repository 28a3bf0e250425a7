package dev.opsbus.ssh.terminal;

import java.io.IOException;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;

/** An authenticated sshj client with one PTY shell open on it. Closing it is blocking: worker threads only. */
record ShellConnection(SSHClient ssh, Session session, Session.Shell shell) {

  void closeQuietly() {
    try {
      shell.close();
    } catch (IOException ignored) {
      // the channel may already be gone with the connection
    }
    try {
      session.close();
    } catch (IOException ignored) {
      // same channel as the shell
    }
    try {
      ssh.disconnect();
    } catch (IOException ignored) {
      // a connection that already dropped has nothing left to close
    }
  }
}
