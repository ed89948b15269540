package io.github.minichat.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.github.minichat.platform.ClusterSettings;
import io.github.minichat.platform.Management;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The manifests in {@code k8s/} render (base and every overlay), parse into the typed Kubernetes model with no
 * unknown field, hang together (every name they refer to exists), and agree with the code: the ports it serves,
 * the probe paths, the variables it reads, the drain time.
 */
class ManifestTest {

  /** Each Deployment and the management port its service listens on unless CHAT_MANAGEMENT_PORT says otherwise. */
  static final Map<String, Integer> SERVICES = Map.of(
      "chat-gateway", Management.GATEWAY_PORT,
      "message-service", Management.MESSAGE_SERVICE_PORT,
      "presence-service", Management.PRESENCE_SERVICE_PORT);
  static final String CONFIG = "minichat-config";
  static final String SECRET = "minichat-secrets";
  static final Set<String> SECRET_KEYS = Set.of("jwt-secret", "pg-password", "s3-access-key", "s3-secret-key");
  /** Variables set only to be expanded in others ($(NAME)) or read by the JVM itself. */
  static final Set<String> NOT_READ_BY_CODE = Set.of("POD_IP", "POD_NAMESPACE", "JAVA_TOOL_OPTIONS");

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"base", "overlays/dev", "overlays/prod"})
  @DisplayName("renders into the typed Kubernetes model with no unknown field, and its references resolve")
  void rendersAndHangsTogether(String path) {
    Manifests manifests = Manifests.render(path);
    assertThat(manifests.resources).hasSizeGreaterThan(10);
    for (String name : SERVICES.keySet()) {
      Deployment deployment = manifests.get(Deployment.class, name);
      PodSpec pod = deployment.getSpec().getTemplate().getSpec();
      Map<String, String> labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
      assertThat(labels).containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
      // exactly one PDB per pod: the eviction API refuses pods with several
      assertThat(manifests.all(PodDisruptionBudget.class))
          .filteredOn(pdb -> labels.entrySet().containsAll(pdb.getSpec().getSelector().getMatchLabels().entrySet()))
          .as("PodDisruptionBudgets of %s", name).hasSize(1);
      assertThat(pod.getServiceAccountName()).satisfies(account -> manifests.get(
          io.fabric8.kubernetes.api.model.ServiceAccount.class, account));
      Container container = pod.getContainers().get(0);
      container.getEnvFrom().forEach(source -> manifests.get(ConfigMap.class, source.getConfigMapRef().getName()));
      pod.getVolumes().stream().filter(volume -> volume.getSecret() != null).forEach(volume -> {
        assertThat(volume.getSecret().getSecretName()).isEqualTo(SECRET);
        volume.getSecret().getItems().forEach(item -> assertThat(SECRET_KEYS).contains(item.getKey()));
      });
      assertThat(deployment.getMetadata().getNamespace()).isEqualTo(namespace(path));
    }
    for (HorizontalPodAutoscaler hpa : manifests.all(HorizontalPodAutoscaler.class)) {
      Deployment target = manifests.get(Deployment.class, hpa.getSpec().getScaleTargetRef().getName());
      assertThat(target.getSpec().getReplicas()).as("replicas of %s, which its HPA owns (kubectl apply would reset"
          + " the count)", target.getMetadata().getName()).isNull();
      assertThat(hpa.getSpec().getBehavior().getScaleDown().getPolicies()).as("scale-down policy of HPA %s",
          hpa.getMetadata().getName()).isNotEmpty();
      assertThat(hpa.getSpec().getMinReplicas()).isLessThanOrEqualTo(hpa.getSpec().getMaxReplicas());
      assertThat(target.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getRequests())
          .as("CPU utilisation needs a CPU request").containsKey("cpu");
    }
    assertThat(manifests.all(HorizontalPodAutoscaler.class)).extracting(hpa -> hpa.getMetadata().getName())
        .containsExactlyInAnyOrder("chat-gateway", "message-service");
    for (Service service : manifests.all(Service.class)) {
      if ("ExternalName".equals(service.getSpec().getType())) {
        continue;
      }
      List<PodSpec> selected = podsSelectedBy(manifests, service.getSpec().getSelector());
      assertThat(selected).as("pods of Service %s", service.getMetadata().getName()).isNotEmpty();
      for (ServicePort port : service.getSpec().getPorts()) {
        selected.forEach(pod -> assertThat(containerPort(pod, port.getTargetPort()))
            .as("Service %s port %s", service.getMetadata().getName(), port.getName()).isPositive());
      }
    }
    for (PodDisruptionBudget pdb : manifests.all(PodDisruptionBudget.class)) {
      assertThat(pdb.getSpec().getUnhealthyPodEvictionPolicy()).as("PDB %s", pdb.getMetadata().getName()).isNotNull();
    }
    for (StatefulSet set : manifests.all(StatefulSet.class)) {
      assertThat(manifests.get(Service.class, set.getSpec().getServiceName()).getSpec().getClusterIP())
          .as("governing Service of StatefulSet %s", set.getMetadata().getName()).isEqualTo("None");
    }
    NetworkPolicies.check(manifests);
    if (!path.equals("base")) {
      PodSecurity.checkRestricted(manifests, namespace(path));
    }
    Ingress ingress = manifests.get(Ingress.class, "chat-gateway");
    for (HTTPIngressPath ingressPath : ingress.getSpec().getRules().get(0).getHttp().getPaths()) {
      Service backend = manifests.get(Service.class, ingressPath.getBackend().getService().getName());
      assertThat(backend.getSpec().getPorts()).extracting(ServicePort::getName)
          .contains(ingressPath.getBackend().getService().getPort().getName());
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"overlays/dev", "overlays/prod"})
  @DisplayName("gives every service the ports, probes, variables and security the code expects")
  void agreesWithTheCode(String path) {
    Manifests manifests = Manifests.render(path);
    Map<String, String> config = manifests.get(ConfigMap.class, CONFIG).getData();
    Set<String> read = CodeFacts.environmentVariables();
    assertThat(config.keySet()).as("ConfigMap keys the code reads").isSubsetOf(read);
    assertThat(config).containsEntry("CHAT_CLUSTER", ClusterSettings.KUBERNETES).containsEntry("CHAT_LOG_FORMAT", "json");

    for (Map.Entry<String, Integer> service : SERVICES.entrySet()) {
      Deployment deployment = manifests.get(Deployment.class, service.getKey());
      PodSpec pod = deployment.getSpec().getTemplate().getSpec();
      Container container = pod.getContainers().get(0);
      Map<String, String> env = environment(container, config);
      String what = path + " " + service.getKey();

      // every variable is one the code reads (or a helper that another expands)
      for (EnvVar variable : container.getEnv()) {
        if (NOT_READ_BY_CODE.contains(variable.getName())) {
          assertThat(variable.getName().equals("JAVA_TOOL_OPTIONS") || container.getEnv().stream()
              .anyMatch(other -> other.getValue() != null && other.getValue().contains("$(" + variable.getName() + ")")))
              .as("%s: %s is used", what, variable.getName()).isTrue();
        } else {
          assertThat(read).as("%s: variables the code reads", what).contains(variable.getName());
        }
      }
      // ports: management, Hazelcast and event bus where the code listens
      int management = Integer.parseInt(env.getOrDefault(Management.PORT_VARIABLE, service.getValue().toString()));
      assertThat(namedPort(container, "management")).as(what).isEqualTo(management);
      assertThat(namedPort(container, "hazelcast")).as(what).isEqualTo(Integer.parseInt(env.get("CHAT_CLUSTER_PORT")));
      assertThat(namedPort(container, "eventbus")).as(what).isEqualTo(Integer.parseInt(env.get("CHAT_EVENTBUS_PORT")));
      assertThat(env.get("CHAT_EVENTBUS_HOST")).isEqualTo("0.0.0.0");
      assertThat(env.get("CHAT_EVENTBUS_PUBLIC_HOST")).isEqualTo("$(POD_IP)");
      assertThat(env.get("CHAT_K8S_SERVICE_DNS")).startsWith(headlessClusterService(manifests).getMetadata().getName() + ".");
      // probes: the paths the management server serves, on its port
      assertThat(httpProbe(container.getReadinessProbe(), container)).isEqualTo(Management.READY_PATH + "@" + management);
      assertThat(httpProbe(container.getLivenessProbe(), container)).isEqualTo(Management.LIVE_PATH + "@" + management);
      assertThat(httpProbe(container.getStartupProbe(), container)).isEqualTo(Management.LIVE_PATH + "@" + management);
      // secrets as files, in the variables the code reads them from
      pod.getVolumes().stream().filter(volume -> volume.getSecret() != null)
          .flatMap(volume -> volume.getSecret().getItems().stream())
          .forEach(item -> assertThat(env.values()).as(what).anyMatch(value -> value.endsWith("/" + item.getPath())));
      // sized, non-root, read-only
      assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
      assertThat(container.getResources().getLimits()).containsKeys("memory");
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
      assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(container.getSecurityContext().getCapabilities().getDrop()).contains("ALL");
      assertThat(container.getVolumeMounts()).anyMatch(mount -> mount.getMountPath().equals("/tmp"));
      assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
          .containsEntry("prometheus.io/port", Integer.toString(management))
          .containsEntry("prometheus.io/path", Management.METRICS_PATH);
      assertThat(headlessClusterService(manifests).getSpec().getSelector().entrySet())
          .isSubsetOf(deployment.getSpec().getTemplate().getMetadata().getLabels().entrySet());
    }

    Container gateway = manifests.get(Deployment.class, "chat-gateway").getSpec().getTemplate().getSpec()
        .getContainers().get(0);
    Map<String, String> env = environment(gateway, config);
    assertThat(namedPort(gateway, "http")).isEqualTo(Integer.parseInt(env.get("CHAT_HTTP_PORT")));
    assertThat(env).containsKey("CHAT_JWT_SECRET_FILE");
    assertThat(environment(manifests.get(Deployment.class, "message-service").getSpec().getTemplate().getSpec()
        .getContainers().get(0), config)).containsKeys("PG_URL", "PG_PASSWORD_FILE");
    assertThat(config.get("PG_URL")).doesNotContain(":@").doesNotMatch(".*//[^/]*:[^/]*@.*");
  }

  @Test
  @DisplayName("gives a gateway time to turn not-ready, drain its sockets and leave the cluster before it is killed")
  void gatewayStopsWithinItsGracePeriod() {
    for (String path : List.of("overlays/dev", "overlays/prod")) {
      Manifests manifests = Manifests.render(path);
      PodSpec pod = manifests.get(Deployment.class, "chat-gateway").getSpec().getTemplate().getSpec();
      Container container = pod.getContainers().get(0);
      List<String> preStop = container.getLifecycle().getPreStop().getExec().getCommand();
      assertThat(preStop).hasSize(2).startsWith("sleep");
      long preStopSeconds = Long.parseLong(preStop.get(1));
      long drainMs = Long.parseLong(manifests.get(ConfigMap.class, CONFIG).getData().get("CHAT_DRAIN_MS"));
      // Node.closeOnShutdown waits at most the drain time plus 10 s for the drain and leaving the cluster
      long needed = preStopSeconds + Duration.ofMillis(drainMs).toSeconds() + 10;
      assertThat(pod.getTerminationGracePeriodSeconds()).as(path).isGreaterThanOrEqualTo(needed);
      assertThat(preStopSeconds).as("endpoints need a few seconds to drop the pod").isBetween(3L, 15L);
      // the other services close with no drain: the 10 s bound alone
      for (String other : List.of("message-service", "presence-service")) {
        assertThat(manifests.get(Deployment.class, other).getSpec().getTemplate().getSpec()
            .getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(10L);
      }
      // the proxy must not cut sockets the gateway still keeps
      Ingress ingress = manifests.get(Ingress.class, "chat-gateway");
      long idleMs = Long.parseLong(manifests.get(ConfigMap.class, CONFIG).getData().get("CHAT_IDLE_TIMEOUT_MS"));
      for (String timeout : List.of("proxy-read-timeout", "proxy-send-timeout")) {
        assertThat(Long.parseLong(ingress.getMetadata().getAnnotations().get("nginx.ingress.kubernetes.io/" + timeout)))
            .isGreaterThan(Duration.ofMillis(idleMs).toSeconds());
      }
    }
  }

  @Test
  @DisplayName("finds members through a headless Service that publishes not-ready pods, with no API access")
  void clusterDiscovery() {
    Manifests manifests = Manifests.render("overlays/prod");
    Service cluster = headlessClusterService(manifests);
    assertThat(cluster.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(cluster.getSpec().getPorts()).extracting(ServicePort::getPort)
        .containsExactly(Integer.parseInt(manifests.get(ConfigMap.class, CONFIG).getData().get("CHAT_CLUSTER_PORT")));
    assertThat(podsSelectedBy(manifests, cluster.getSpec().getSelector())).hasSize(SERVICES.size());
    assertThat(manifests.get(io.fabric8.kubernetes.api.model.ServiceAccount.class, "minichat")
        .getAutomountServiceAccountToken()).isFalse();
  }

  @Test
  @DisplayName("dev brings its own PostgreSQL and Secret; prod points at an external database and an external Secret")
  void databasesAndSecrets() {
    Manifests dev = Manifests.render("overlays/dev");
    StatefulSet postgres = dev.get(StatefulSet.class, "postgres");
    assertThat(postgres.getSpec().getVolumeClaimTemplates()).isNotEmpty();
    assertThat(dev.get(Secret.class, SECRET).getStringData().keySet()).isEqualTo(SECRET_KEYS);
    assertThat(dev.get(Secret.class, SECRET).getStringData().get("jwt-secret").getBytes()).hasSizeGreaterThanOrEqualTo(32);
    assertThat(dev.get(ConfigMap.class, CONFIG).getData().get("PG_URL")).contains("@postgres:5432/");

    assertThat(dev.get(ConfigMap.class, CONFIG).getData()).containsEntry("PG_SSL_MODE", "disable");

    Manifests prod = Manifests.render("overlays/prod");
    assertThat(prod.find(Secret.class, SECRET)).as("production secrets stay out of Git").isEmpty();
    assertThat(prod.all(StatefulSet.class)).isEmpty();
    Map<String, String> prodConfig = prod.get(ConfigMap.class, CONFIG).getData();
    assertThat(prodConfig).containsEntry("CHAT_PROFILE", "prod").containsEntry("PG_SSL_MODE", "verify-full");
    // verify-full checks the certificate against PG_URL's host: the server's real name, not an in-cluster alias
    String host = io.vertx.pgclient.PgConnectOptions.fromUri(prodConfig.get("PG_URL")).getHost();
    assertThat(host).contains(".");
    assertThat(prod.all(Service.class)).noneMatch(service -> service.getMetadata().getName().equals(host));
    Container store = prod.get(Deployment.class, "message-service").getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(store.getVolumeMounts()).anyMatch(mount -> prodConfig.get("PG_SSL_ROOT_CERT").startsWith(mount.getMountPath() + "/"));
    String operations = CodeFacts.read(Manifests.ROOT.resolve("docs/operations.md"));
    SECRET_KEYS.forEach(key -> assertThat(operations).as("docs/operations.md creates the Secret's keys")
        .contains("--from-file=" + key + "="));
    imagesPinnedByDigest(prod, Manifests.K8S.resolve("overlays/prod"));
  }

  /** Every prod image is name@sha256:digest, with the digest the overlay's images: entry sets (as kustomize renders it). */
  @SuppressWarnings("unchecked")
  static void imagesPinnedByDigest(Manifests prod, java.nio.file.Path overlay) {
    Map<String, Object> kustomization = (Map<String, Object>) new org.snakeyaml.engine.v2.api.Load(
        org.snakeyaml.engine.v2.api.LoadSettings.builder().build())
        .loadFromString(CodeFacts.read(overlay.resolve("kustomization.yaml")));
    Map<String, String> digests = new HashMap<>();
    for (Map<String, Object> image : (List<Map<String, Object>>) kustomization.get("images")) {
      digests.put((String) image.get("newName"), (String) image.get("digest"));
    }
    for (Deployment deployment : prod.all(Deployment.class)) {
      String image = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
      String name = "registry.example.com/minichat/" + deployment.getMetadata().getName();
      assertThat(image).as("image of %s", deployment.getMetadata().getName()).matches(java.util.regex.Pattern.quote(name)
          + "@sha256:[0-9a-f]{64}").isEqualTo(name + "@" + digests.get(name));
    }
  }

  @Test
  @DisplayName("the Grafana dashboard is valid JSON whose queries use the chat's meters and Vert.x's")
  void dashboardParses() {
    JsonObject dashboard = new JsonObject(CodeFacts.read(Manifests.K8S.resolve("base/grafana-dashboard.json")));
    assertThat(dashboard.getJsonArray("panels")).isNotEmpty();
    Set<String> metrics = DashboardMetrics.names(dashboard);
    assertThat(metrics).contains("minichat_connections_open", "minichat_connects_total", "minichat_disconnects_total",
        "minichat_frames_in_total", "minichat_frames_out_total", "minichat_messages_stored_total",
        "minichat_delivery_latency_seconds_bucket", "minichat_unread_pushes_total", "minichat_errors_total",
        "vertx_eventbus_pending", "vertx_pool_in_use");
  }

  // ---- helpers ----

  static String namespace(String path) {
    return switch (path) {
      case "overlays/dev" -> "minichat-dev";
      case "overlays/prod" -> "minichat";
      default -> null;
    };
  }

  static Service headlessClusterService(Manifests manifests) {
    Service service = manifests.get(Service.class, "minichat-cluster");
    assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
    return service;
  }

  /** The container's environment as the kubelet sets it: the ConfigMap, then env (later wins). */
  static Map<String, String> environment(Container container, Map<String, String> config) {
    Map<String, String> env = new HashMap<>();
    if (!container.getEnvFrom().isEmpty()) {
      env.putAll(config);
    }
    container.getEnv().forEach(variable -> env.put(variable.getName(),
        variable.getValue() != null ? variable.getValue() : "<from " + variable.getValueFrom() + ">"));
    return env;
  }

  static List<PodSpec> podsSelectedBy(Manifests manifests, Map<String, String> selector) {
    return Stream.concat(
            manifests.all(Deployment.class).stream().map(deployment -> deployment.getSpec().getTemplate()),
            manifests.all(StatefulSet.class).stream().map(set -> set.getSpec().getTemplate()))
        .filter(template -> template.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
        .map(template -> template.getSpec())
        .toList();
  }

  static int containerPort(PodSpec pod, IntOrString port) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return pod.getContainers().stream().flatMap(container -> container.getPorts().stream())
        .filter(candidate -> port.getStrVal().equals(candidate.getName()))
        .mapToInt(ContainerPort::getContainerPort).findFirst().orElse(-1);
  }

  static int namedPort(Container container, String name) {
    return container.getPorts().stream().filter(port -> name.equals(port.getName()))
        .mapToInt(ContainerPort::getContainerPort).findFirst()
        .orElseThrow(() -> new AssertionError(container.getName() + " has no port " + name));
  }

  /** "path@port" of an HTTP probe, with a named port resolved to its number. */
  static String httpProbe(Probe probe, Container container) {
    assertThat(probe).as("probe of " + container.getName()).isNotNull();
    HTTPGetAction get = probe.getHttpGet();
    int port = get.getPort().getIntVal() != null ? get.getPort().getIntVal() : namedPort(container, get.getPort().getStrVal());
    return get.getPath() + "@" + port;
  }

  static Set<String> sorted(Set<String> names) {
    return new TreeSet<>(names);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"overlays/dev", "overlays/prod"})
  @DisplayName("keeps uploads in an object store every gateway shares, behind a proxy that streams them whole")
  void uploadsGoToASharedObjectStore(String path) {
    Manifests manifests = Manifests.render(path);
    Map<String, String> config = manifests.get(ConfigMap.class, CONFIG).getData();
    assertThat(config).containsEntry("CHAT_FILE_STORE", "s3").containsKey("CHAT_S3_BUCKET");
    Container gateway = manifests.get(Deployment.class, "chat-gateway").getSpec().getTemplate().getSpec()
        .getContainers().get(0);
    assertThat(environment(gateway, config)).containsKeys("CHAT_S3_SECRET_KEY_FILE");
    assertThat(gateway.getEnv()).anyMatch(variable -> variable.getName().equals("CHAT_S3_ACCESS_KEY")
        && variable.getValueFrom().getSecretKeyRef().getName().equals(SECRET));
    // the proxy passes a whole upload (the file limit and its framing) as it comes, only on the uploads' path
    Ingress uploads = manifests.get(Ingress.class, "chat-gateway-uploads");
    Map<String, String> annotations = uploads.getMetadata().getAnnotations();
    String bodySize = annotations.get("nginx.ingress.kubernetes.io/proxy-body-size");
    long maxFile = new io.github.minichat.platform.Env(Map.of())
        .get(io.github.minichat.gateway.FileSettings.MAX_FILE_BYTES);
    assertThat(Long.parseLong(bodySize.replace("m", "")) * 1024 * 1024).isGreaterThan(maxFile + 64 * 1024);
    assertThat(annotations).containsEntry("nginx.ingress.kubernetes.io/proxy-request-buffering", "off");
    assertThat(uploads.getSpec().getRules().get(0).getHttp().getPaths()).extracting(HTTPIngressPath::getPath)
        .containsExactly("/api/files");
    assertThat(uploads.getSpec().getRules().get(0).getHost())
        .isEqualTo(manifests.get(Ingress.class, "chat-gateway").getSpec().getRules().get(0).getHost());
    if (path.equals("overlays/dev")) {
      String endpoint = config.get("CHAT_S3_ENDPOINT");
      assertThat(endpoint).isEqualTo("http://" + manifests.get(Service.class, "minio").getMetadata().getName()
          + ":9000");
    }
  }

  @Test
  @DisplayName("production: the schema is migrated by a Job as its owner and only checked by message services;"
      + " backups keep off their owner's machine, which every pod learns from the downward API")
  void productionSchemaAndBackups() {
    Manifests prod = Manifests.render("overlays/prod");
    Map<String, String> config = prod.get(ConfigMap.class, CONFIG).getData();
    assertThat(config).containsEntry("CHAT_MIGRATE", "check").containsEntry("CHAT_CLUSTER_PARTITION_GROUPS", "node");
    assertThat(Integer.parseInt(config.get("CHAT_CLUSTER_MIN_SIZE"))).isGreaterThan(1);

    io.fabric8.kubernetes.api.model.batch.v1.Job job =
        prod.get(io.fabric8.kubernetes.api.model.batch.v1.Job.class, "minichat-migrate");
    Container migrate = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    Container service = prod.get(Deployment.class, "message-service").getSpec().getTemplate().getSpec()
        .getContainers().get(0);
    assertThat(migrate.getImage()).as("the same image as the service it migrates for").isEqualTo(service.getImage());
    Map<String, String> env = new HashMap<>();
    migrate.getEnv().forEach(variable -> env.put(variable.getName(), variable.getValue()));
    assertThat(env).containsEntry("CHAT_MIGRATE", "only").containsKey("CHAT_DB_RUNTIME_ROLE");
    assertThat(env.get("PG_URL")).as("the owner, not the services' role").doesNotStartWith(config.get("PG_URL"));
    assertThat(config.get("PG_URL")).contains(env.get("CHAT_DB_RUNTIME_ROLE") + "@");

    String operations = CodeFacts.read(Manifests.ROOT.resolve("docs/operations.md"));
    job.getSpec().getTemplate().getSpec().getVolumes().stream().filter(volume -> volume.getSecret() != null)
        .flatMap(volume -> volume.getSecret().getItems().stream())
        .forEach(item -> assertThat(operations).as("docs/operations.md creates the Job's secret key")
            .contains("--from-file=" + item.getKey() + "="));

    for (String name : SERVICES.keySet()) {
      EnvVar nodeName = prod.get(Deployment.class, name).getSpec().getTemplate().getSpec().getContainers().get(0)
          .getEnv().stream().filter(variable -> variable.getName().equals("CHAT_CLUSTER_NODE_NAME")).findFirst()
          .orElseThrow(() -> new AssertionError(name + " does not learn its node"));
      assertThat(nodeName.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
    }
  }
}
