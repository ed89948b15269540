package io.github.minichat.deploy;

import io.github.minichat.gateway.FileSettings;
import io.github.minichat.gateway.GatewaySettings;
import io.github.minichat.launcher.LauncherSettings;
import io.github.minichat.message.MessageSettings;
import io.github.minichat.platform.PlatformSettings;
import io.github.minichat.platform.Setting;
import io.github.minichat.presence.PresenceSettings;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every module's settings catalogue, in the order docs/configuration.md shows them, and the Markdown tables that
 * page holds between its two markers.
 */
final class SettingsCatalogues {

  /** One module's settings under the heading the page gives them. */
  record Section(String heading, List<Setting<?>> settings) {
  }

  static final List<Section> SECTIONS = List.of(
      new Section("Every process: profile, cluster, management server, logs (`PlatformSettings`)", PlatformSettings.ALL),
      new Section("Gateway (`GatewaySettings`)", GatewaySettings.ALL),
      new Section("Gateway: pictures and files (`FileSettings`)", FileSettings.ALL),
      new Section("Message service (`MessageSettings`)", MessageSettings.ALL),
      new Section("Presence service (`PresenceSettings`)", PresenceSettings.ALL),
      new Section("Launcher: the quick start's embedded PostgreSQL (`LauncherSettings`)", LauncherSettings.ALL));

  static final String BEGIN = "<!-- settings tables: generated from the catalogues by SettingsCatalogues, do not edit -->";
  static final String END = "<!-- end of the generated settings tables -->";

  private SettingsCatalogues() {
  }

  /** Every variable some catalogue documents (a secret's _FILE form included). */
  static Set<String> names() {
    Set<String> names = new TreeSet<>();
    SECTIONS.forEach(section -> section.settings().forEach(setting -> names.addAll(setting.names())));
    return names;
  }

  /** The tables, one per section, as the page holds them between {@link #BEGIN} and {@link #END}. */
  static String render() {
    StringBuilder page = new StringBuilder(BEGIN).append("\n");
    for (Section section : SECTIONS) {
      page.append("\n### ").append(section.heading()).append("\n\n")
          .append("| Variable | Default | Meaning |\n|---|---|---|\n");
      for (Setting<?> setting : section.settings()) {
        page.append("| ").append(String.join(", ", setting.names().stream().map(name -> "`" + name + "`").toList()))
            .append(" | ").append(cell(setting.defaultText()))
            .append(" | ").append(cell(setting.meaning())).append(" |\n");
      }
    }
    return page.append("\n").append(END).toString();
  }

  private static String cell(String markdown) {
    return markdown.replace("|", "\\|");
  }
}
