package io.github.minichat.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The NetworkPolicies as far as reading them can tell: ingress is denied by default, the unauthenticated cluster
 * ports (Hazelcast, event bus) admit only members of this namespace, and every port a policy names is a port of the
 * pods it selects. Whether the network plugin enforces them only a real cluster shows.
 */
final class NetworkPolicies {

  static final String MEMBER_LABEL = "minichat.io/cluster-member";
  static final Set<String> CLUSTER_PORTS = Set.of("hazelcast", "eventbus");

  private NetworkPolicies() {
  }

  static void check(Manifests manifests) {
    List<NetworkPolicy> policies = manifests.all(NetworkPolicy.class);
    assertThat(policies).as("%s: a default deny of ingress", manifests.overlay).anySatisfy(policy -> {
      assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isNullOrEmpty();
      assertThat(policy.getSpec().getPodSelector().getMatchExpressions()).isNullOrEmpty();
      assertThat(policy.getSpec().getPolicyTypes()).contains("Ingress");
      assertThat(policy.getSpec().getIngress()).isNullOrEmpty();
    });
    for (NetworkPolicy policy : policies) {
      Map<String, String> selector = policy.getSpec().getPodSelector().getMatchLabels();
      if (selector == null || selector.isEmpty()) {
        continue;
      }
      List<PodTemplateSpec> pods = templates(manifests)
          .filter(template -> template.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())).toList();
      String what = manifests.overlay + " NetworkPolicy " + policy.getMetadata().getName();
      assertThat(pods).as("pods of %s", what).isNotEmpty();
      for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
        assertThat(rule.getPorts()).as("%s names its ports", what).isNotEmpty();
        for (NetworkPolicyPort port : rule.getPorts()) {
          String name = port.getPort().getStrVal();
          assertThat(name).as("%s uses named ports", what).isNotNull();
          for (PodTemplateSpec pod : pods) {
            assertThat(pod.getSpec().getContainers().stream().flatMap(container -> container.getPorts().stream())
                .map(ContainerPort::getName)).as("%s: port %s", what, name).contains(name);
          }
          if (CLUSTER_PORTS.contains(name)) {
            // only members, and only of this namespace (a peer without namespaceSelector is this namespace)
            for (NetworkPolicyPeer peer : rule.getFrom()) {
              assertThat(peer.getNamespaceSelector()).as("%s: %s from other namespaces", what, name).isNull();
              assertThat(peer.getIpBlock()).as("%s: %s from IP blocks", what, name).isNull();
              assertThat(peer.getPodSelector().getMatchLabels()).as("%s: %s from", what, name)
                  .containsEntry(MEMBER_LABEL, "true");
            }
          }
        }
      }
    }
    // every cluster port of every member is opened to members by some policy (else the cluster can't form)
    for (PodTemplateSpec pod : templates(manifests).filter(t -> "true".equals(t.getMetadata().getLabels().get(MEMBER_LABEL))).toList()) {
      for (String port : CLUSTER_PORTS) {
        assertThat(policies).as("%s: a policy opens %s to members", manifests.overlay, port).anySatisfy(policy -> {
          assertThat(pod.getMetadata().getLabels().entrySet())
              .containsAll(policy.getSpec().getPodSelector().getMatchLabels().entrySet());
          assertThat(policy.getSpec().getIngress()).anySatisfy(rule -> assertThat(rule.getPorts())
              .anyMatch(candidate -> port.equals(candidate.getPort().getStrVal())));
        });
      }
    }
  }

  static Stream<PodTemplateSpec> templates(Manifests manifests) {
    return Stream.concat(manifests.all(Deployment.class).stream().map(deployment -> deployment.getSpec().getTemplate()),
        manifests.all(StatefulSet.class).stream().map(set -> set.getSpec().getTemplate()));
  }

  static PodSpec spec(PodTemplateSpec template) {
    return template.getSpec();
  }
}
