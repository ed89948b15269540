package io.github.minichat.load;

import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The load generator's command line: one subcommand per scenario. */
@Command(name = "load-test", mixinStandardHelpOptions = true, subcommands = {
    ConnectCommand.class, ChatCommand.class, GroupsCommand.class, SyncCommand.class, ReconnectCommand.class,
    EchoServerCommand.class},
    description = "Drives a minichat deployment over its real wire protocol and measures it from the client side.")
public final class LoadTest implements Runnable {

  /**
   * Vert.x's HTTP client warns once per failed or evicted pooled connection; a storm's failures are counted and
   * named in the summary instead. Held in a field: java.util.logging keeps loggers only weakly.
   */
  private static final Logger CLIENT_POOL_LOG = Logger.getLogger("io.vertx.core.http.impl");

  static {
    CLIENT_POOL_LOG.setLevel(Level.SEVERE);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new LoadTest()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
  }
}
