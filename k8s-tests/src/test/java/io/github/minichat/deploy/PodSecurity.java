package io.github.minichat.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.List;

/**
 * The namespace enforces Pod Security's restricted profile, and every pod template meets the profile's rules as
 * far as the manifests show them (the admission controller of a real API server is what enforces it).
 */
final class PodSecurity {

  private PodSecurity() {
  }

  static void checkRestricted(Manifests manifests, String namespace) {
    Namespace ns = manifests.get(Namespace.class, namespace);
    assertThat(ns.getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "restricted")
        .containsKey("pod-security.kubernetes.io/enforce-version");
    for (PodTemplateSpec template : NetworkPolicies.templates(manifests).toList()) {
      PodSpec pod = template.getSpec();
      String what = manifests.overlay + " pod " + template.getMetadata().getLabels().get("app.kubernetes.io/name");
      assertThat(pod.getHostNetwork()).as(what).isNotEqualTo(Boolean.TRUE);
      assertThat(pod.getHostPID()).as(what).isNotEqualTo(Boolean.TRUE);
      assertThat(pod.getHostIPC()).as(what).isNotEqualTo(Boolean.TRUE);
      assertThat(pod.getVolumes()).as(what).allMatch(volume -> volume.getHostPath() == null);
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(what).isTrue();
      assertThat(pod.getSecurityContext().getSeccompProfile().getType()).as(what).isIn("RuntimeDefault", "Localhost");
      for (Container container : pod.getContainers()) {
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).as(what).isFalse();
        assertThat(container.getSecurityContext().getPrivileged()).as(what).isNotEqualTo(Boolean.TRUE);
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).as(what).contains("ALL");
        List<String> added = container.getSecurityContext().getCapabilities().getAdd();
        assertThat(added == null ? List.<String>of() : added).as(what).isSubsetOf("NET_BIND_SERVICE");
        assertThat(container.getPorts()).as(what).allMatch(port -> port.getHostPort() == null);
      }
    }
  }
}
