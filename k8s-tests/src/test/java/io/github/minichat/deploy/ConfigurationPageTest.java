package io.github.minichat.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md shows the settings catalogues as they are. After changing a setting, regenerate its tables:
 * {@code mvn -o -q -pl k8s-tests test -Dtest=ConfigurationPageTest -Dminichat.writeDocs=true}.
 */
class ConfigurationPageTest {

  static final Path PAGE = Manifests.ROOT.resolve("docs/configuration.md");

  @Test
  @DisplayName("the configuration page's tables are what the settings catalogues render")
  void pageShowsTheCatalogues() throws IOException {
    String page = Files.readString(PAGE);
    int begin = page.indexOf(SettingsCatalogues.BEGIN);
    int end = page.indexOf(SettingsCatalogues.END);
    assertThat(begin).as("the page's begin marker").isNotNegative();
    assertThat(end).as("the page's end marker, after the begin marker").isGreaterThan(begin);
    String committed = page.substring(begin, end + SettingsCatalogues.END.length());
    String rendered = SettingsCatalogues.render();
    if (Boolean.getBoolean("minichat.writeDocs") && !committed.equals(rendered)) {
      Files.writeString(PAGE, page.replace(committed, rendered));
      committed = rendered;
    }
    assertThat(committed).as("docs/configuration.md; regenerate with -Dminichat.writeDocs=true (see this class)")
        .isEqualTo(rendered);
  }

  @Test
  @DisplayName("every variable named in the code or in logback.xml is in a settings catalogue")
  void everyVariableIsCatalogued() {
    assertThat(CodeFacts.namesInCode()).as("named in the code but in no catalogue")
        .isSubsetOf(SettingsCatalogues.names());
  }
}
