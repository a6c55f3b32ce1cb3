package io.meshfl.deploy;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.meshfl.cli.Main;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chart for three domains, rendered by Helm and checked object by object against the Kubernetes API model and MeshFL's own command. */
class HelmChartTest {

    private static final String RELEASE = "bank";
    private static final List<String> DOMAINS = List.of("cards-east", "cards-south", "cards-west");
    private static RenderedChart chart;

    @BeforeAll
    static void render() throws IOException {
        chart = RenderedChart.render(RELEASE, RenderedChart.THREE_DOMAINS);
    }

    @Test
    void chartPassesHelmLint() {
        var lint = new Helm(RenderedChart.CHART).lint().call();
        assertFalse(lint.isFailed(), () -> "helm lint: " + lint.getMessages());
    }

    @Test
    void threeDomainsRenderOneCoordinatorAndOneNodeEach() {
        assertEquals(1 + DOMAINS.size(), chart.all(Deployment.class).size());
        assertEquals(1 + DOMAINS.size(), chart.all(Service.class).size());
        assertEquals(DOMAINS.size(), chart.all(ConfigMap.class).size());
        assertEquals(DOMAINS.size(), chart.all(NetworkPolicy.class).size());
        chart.named(Deployment.class, RELEASE + "-coordinator");
        for (String d : DOMAINS) chart.named(Deployment.class, RELEASE + "-node-" + d);
    }

    @Test
    void everyObjectHasOnlyFieldsTheKubernetesApiKnows() {
        List<String> unknown = chart.objects().stream().flatMap(o -> RenderedChart.unknownFields(o).stream()).toList();
        assertEquals(List.of(), unknown);
    }

    @Test
    void theUnknownFieldCheckFindsAMisspeltField() throws IOException {
        HasMetadata bad = RenderedChart.parse("""
                apiVersion: v1
                kind: Service
                metadata: {name: x}
                spec:
                  selector: {a: b}
                  ports: [{name: grpc, port: 1, targetPot: grpc}]
                """).get(0);
        assertEquals(List.of("Service/x.spec.ports[0].targetPot"), RenderedChart.unknownFields(bad));
    }

    @Test
    void eachServiceSelectsTheLabelsOfExactlyOneDeploymentAndANamedPortOfIt() {
        for (Service s : chart.all(Service.class)) {
            Map<String, String> selector = s.getSpec().getSelector();
            List<Deployment> matched = chart.all(Deployment.class).stream()
                    .filter(d -> d.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(selector.entrySet())).toList();
            assertEquals(1, matched.size(), () -> s.getMetadata().getName() + " selects " + matched.size() + " deployments");
            Set<String> ports = ports(matched.get(0).getSpec().getTemplate().getSpec().getContainers().get(0));
            for (ServicePort p : s.getSpec().getPorts()) {
                assertTrue(ports.contains(p.getTargetPort().getStrVal()), () -> s.getMetadata().getName() + " targets " + p.getTargetPort());
            }
        }
        for (Deployment d : chart.all(Deployment.class)) {
            Map<String, String> pod = d.getSpec().getTemplate().getMetadata().getLabels();
            assertTrue(pod.entrySet().containsAll(d.getSpec().getSelector().getMatchLabels().entrySet()), d.getMetadata().getName());
        }
    }

    @Test
    void mountsNameVolumesOfThePodAndProbesNameDeclaredPorts() {
        for (Deployment d : chart.all(Deployment.class)) {
            PodSpec pod = d.getSpec().getTemplate().getSpec();
            Set<String> volumes = pod.getVolumes().stream().map(Volume::getName).collect(Collectors.toSet());
            List<Container> all = new ArrayList<>(pod.getContainers());
            all.addAll(pod.getInitContainers());
            for (Container c : all) {
                for (VolumeMount m : c.getVolumeMounts()) assertTrue(volumes.contains(m.getName()), d.getMetadata().getName() + " mounts " + m.getName());
            }
            Container main = pod.getContainers().get(0);
            for (Probe p : List.of(main.getLivenessProbe(), main.getReadinessProbe())) {
                assertNotNull(p, d.getMetadata().getName() + " has no probe");
                assertTrue(ports(main).contains(p.getHttpGet().getPort().getStrVal()));
                assertTrue(Set.of("/livez", "/readyz").contains(p.getHttpGet().getPath()));
            }
        }
    }

    @Test
    void everyCommandLineIsAcceptedByMeshfl() {
        for (Deployment d : chart.all(Deployment.class)) {
            List<String> args = d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
            CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(args.toArray(String[]::new));
            assertTrue(parsed.hasSubcommand(), () -> d.getMetadata().getName() + ": " + args);
        }
        List<String> typo = new ArrayList<>(chart.named(Deployment.class, RELEASE + "-node-" + DOMAINS.get(0))
                .getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
        typo.add("--advertize=elsewhere:1");
        assertThrows(CommandLine.UnmatchedArgumentException.class, () -> new CommandLine(new Main()).parseArgs(typo.toArray(String[]::new)),
                "parsing must be strict for this check to mean anything");
    }

    @Test
    void nodesCallTheCoordinatorServiceAndAdvertiseTheirOwn() {
        Service coordinator = chart.named(Service.class, RELEASE + "-coordinator");
        String coordinatorAt = coordinator.getMetadata().getName() + ":" + coordinator.getSpec().getPorts().get(0).getPort();
        for (String domain : DOMAINS) {
            String name = RELEASE + "-node-" + domain;
            Map<String, String> args = options(chart.named(Deployment.class, name));
            Service own = chart.named(Service.class, name);
            assertEquals(coordinatorAt, args.get("--coordinator"));
            assertEquals(name + ":" + own.getSpec().getPorts().get(0).getPort(), args.get("--advertise"));
            assertEquals(domain, args.get("--domain"));
            assertEquals("0.0.0.0", args.get("--host"));
        }
    }

    @Test
    void eachNodesContractsLoadAndReadOnlyItsOwnDataVolume() {
        for (String domain : DOMAINS) {
            String name = RELEASE + "-node-" + domain;
            ConfigMap contracts = chart.named(ConfigMap.class, name + "-contracts");
            assertFalse(contracts.getData().isEmpty(), name);
            Container node = chart.named(Deployment.class, name).getSpec().getTemplate().getSpec().getContainers().get(0);
            VolumeMount data = node.getVolumeMounts().stream().filter(m -> m.getName().equals("data")).findFirst().orElseThrow();
            assertTrue(data.getReadOnly(), "the data volume is mounted read-only");
            for (Map.Entry<String, String> file : contracts.getData().entrySet()) {
                DataContract c = ContractLoader.parse(file.getValue(), Path.of(file.getKey()), false);
                assertEquals(domain, c.domain(), file.getKey());
                Path path = c.server().path();
                assertTrue(path.isAbsolute() && path.normalize().startsWith(Path.of(data.getMountPath())),
                        () -> file.getKey() + " reads " + path + " outside " + data.getMountPath());
            }
        }
    }

    @Test
    void keysLiveOnlyInAnOwnerOnlyFolderInMemoryAndNothingRunsAsRoot() {
        for (Deployment d : chart.all(Deployment.class)) {
            PodSpec pod = d.getSpec().getTemplate().getSpec();
            assertTrue(pod.getSecurityContext().getRunAsNonRoot());
            Volume tls = pod.getVolumes().stream().filter(v -> v.getName().equals("tls")).findFirst().orElseThrow();
            assertEquals("Memory", tls.getEmptyDir().getMedium());
            Container main = pod.getContainers().get(0);
            assertTrue(main.getVolumeMounts().stream().noneMatch(m -> m.getName().equals("tls-secret")),
                    "the main container sees only the owner-only copy of the keys");
            assertEquals("/etc/meshfl/run/tls", options(d).get("--tls-dir"));
            List<Container> all = new ArrayList<>(pod.getContainers());
            all.addAll(pod.getInitContainers());
            for (Container c : all) {
                assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
                assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
            }
            String copy = String.join(" ", pod.getInitContainers().get(0).getCommand());
            assertTrue(copy.contains("mkdir -p -m 700 /etc/meshfl/run/tls") && copy.contains("chmod 600"), copy);
            Container crl = pod.getInitContainers().get(1);
            assertEquals("Always", crl.getRestartPolicy(), "the revocation list is kept in step by a sidecar");
            assertTrue(String.join(" ", crl.getCommand()).contains("mv -f /etc/meshfl/run/crl.new /etc/meshfl/run/tls/crl.pem"),
                    "replaced atomically, from the same file system");
        }
    }

    @Test
    void theCatalogPasswordComesFromASecretNeverFromTheCommandLine() {
        Container c = chart.named(Deployment.class, RELEASE + "-coordinator").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertTrue(c.getArgs().stream().noneMatch(a -> a.toLowerCase().contains("password")), c.getArgs().toString());
        var env = c.getEnv().stream().filter(e -> e.getName().equals("MESHFL_CATALOG_PASSWORD")).findFirst().orElseThrow();
        assertNotNull(env.getValueFrom().getSecretKeyRef());
    }

    @Test
    void aMisspeltValueIsRefusedNamingIt(@TempDir Path dir) throws IOException {
        String text = Files.readString(RenderedChart.THREE_DOMAINS).replaceFirst("healthPort: 8082", "heathPort: 8082");
        Path typo = Files.writeString(dir.resolve("typo.yaml"), text);
        Exception e = assertThrows(Exception.class, () -> RenderedChart.render(RELEASE, typo));
        assertTrue(e.getMessage().contains("heathPort"), e.getMessage());
    }

    @Test
    void aStandbyCoordinatorIsASecondReplicaAndNoMore(@TempDir Path dir) throws IOException {
        String text = Files.readString(RenderedChart.THREE_DOMAINS);
        String two = text.replaceFirst("(?m)^coordinator:\n", "coordinator:\n  replicas: 2\n");
        RenderedChart withStandby = RenderedChart.render(RELEASE, Files.writeString(dir.resolve("standby.yaml"), two));
        assertEquals(2, withStandby.named(Deployment.class, RELEASE + "-coordinator").getSpec().getReplicas());
        Path three = Files.writeString(dir.resolve("three.yaml"), text.replaceFirst("(?m)^coordinator:\n", "coordinator:\n  replicas: 3\n"));
        Exception tooMany = assertThrows(Exception.class, () -> RenderedChart.render(RELEASE, three));
        assertTrue(tooMany.getMessage().contains("replicas"), tooMany.getMessage());
    }

    @Test
    void aPasswordInTheCatalogUrlIsRefused(@TempDir Path dir) throws IOException {
        String text = Files.readString(RenderedChart.THREE_DOMAINS).replace("sslmode=verify-full", "password=hunter2&sslmode=verify-full");
        Path leaky = Files.writeString(dir.resolve("leaky.yaml"), text);
        Exception e = assertThrows(Exception.class, () -> RenderedChart.render(RELEASE, leaky));
        assertTrue(e.getMessage().contains("catalog") && e.getMessage().contains("url"), e.getMessage());
    }

    @Test
    void onlyTheCoordinatorMayCallANodesGrpcPort() {
        Map<String, String> coordinatorPod = chart.named(Deployment.class, RELEASE + "-coordinator").getSpec().getTemplate().getMetadata().getLabels();
        for (String domain : DOMAINS) {
            String name = RELEASE + "-node-" + domain;
            NetworkPolicy p = chart.named(NetworkPolicy.class, name);
            Map<String, String> selected = p.getSpec().getPodSelector().getMatchLabels();
            List<Deployment> pods = chart.all(Deployment.class).stream()
                    .filter(d -> d.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(selected.entrySet())).toList();
            assertEquals(List.of(name), pods.stream().map(d -> d.getMetadata().getName()).toList());
            NetworkPolicyIngressRule grpc = p.getSpec().getIngress().stream()
                    .filter(r -> r.getPorts().get(0).getPort().getStrVal().equals("grpc")).findFirst().orElseThrow();
            assertEquals(1, grpc.getFrom().size());
            assertTrue(coordinatorPod.entrySet().containsAll(grpc.getFrom().get(0).getPodSelector().getMatchLabels().entrySet()));
            assertTrue(p.getSpec().getIngress().stream().allMatch(r -> r.getPorts().size() == 1
                    && Set.of("grpc", "health").contains(r.getPorts().get(0).getPort().getStrVal())), "no other port is opened");
        }
    }

    @Test
    void aDomainOfAnotherOrganisationRunsOnlyItsNodeAndAdmitsOnlyTheCoordinatorsAddress(@TempDir Path dir) throws IOException {
        Path own = Files.writeString(dir.resolve("cards-east-only.yaml"), """
                coordinatorAddress: "mesh.bank.example:7070"
                networkPolicy: {enabled: true, coordinatorCidrs: ["203.0.113.7/32"]}
                coordinator: {enabled: false}
                """);
        Path nodes = Files.writeString(dir.resolve("node.yaml"), Files.readString(RenderedChart.THREE_DOMAINS)
                .replaceFirst("(?s)(  - domain: cards-south.*)", "")
                .replace("  - domain: cards-east\n", "  - domain: cards-east\n    serviceType: LoadBalancer\n    advertise: \"east.cards.example:7071\"\n"));
        RenderedChart one = RenderedChart.render("east", RenderedChart.THREE_DOMAINS, nodes, own);
        assertEquals(List.of("east-node-cards-east"), one.all(Deployment.class).stream().map(d -> d.getMetadata().getName()).toList());
        Deployment node = one.named(Deployment.class, "east-node-cards-east");
        assertEquals("mesh.bank.example:7070", options(node).get("--coordinator"));
        assertEquals("east.cards.example:7071", options(node).get("--advertise"));
        assertEquals("LoadBalancer", one.named(Service.class, "east-node-cards-east").getSpec().getType());
        NetworkPolicyIngressRule grpc = one.named(NetworkPolicy.class, "east-node-cards-east").getSpec().getIngress().get(0);
        assertEquals(1, grpc.getFrom().size());
        assertEquals("203.0.113.7/32", grpc.getFrom().get(0).getIpBlock().getCidr());
        assertEquals(List.of(), one.objects().stream().flatMap(o -> RenderedChart.unknownFields(o).stream()).toList());
    }

    @Test
    void aNodeWithoutACoordinatorToCallIsRefusedNamingTheSetting(@TempDir Path dir) throws IOException {
        Path noCoordinator = Files.writeString(dir.resolve("none.yaml"), "coordinator: {enabled: false}\n");
        Exception e = assertThrows(Exception.class, () -> RenderedChart.render(RELEASE, RenderedChart.THREE_DOMAINS, noCoordinator));
        assertTrue(e.getMessage().contains("coordinatorAddress"), e.getMessage());
    }

    @Test
    void thePlatformTeamRunsTheCoordinatorAloneButNotNothing(@TempDir Path dir) throws IOException {
        Path alone = Files.writeString(dir.resolve("alone.yaml"), "nodes: []\ncoordinator: {serviceType: LoadBalancer}\n");
        RenderedChart platform = RenderedChart.render("mesh", RenderedChart.THREE_DOMAINS, alone);
        assertEquals(List.of("Deployment/mesh-coordinator", "Service/mesh-coordinator"),
                platform.objects().stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).sorted().toList());
        assertEquals("LoadBalancer", platform.named(Service.class, "mesh-coordinator").getSpec().getType());
        Path nothing = Files.writeString(dir.resolve("nothing.yaml"), "nodes: []\ncoordinator: {enabled: false}\n");
        Exception e = assertThrows(Exception.class, () -> RenderedChart.render("mesh", RenderedChart.THREE_DOMAINS, nothing));
        assertTrue(e.getMessage().contains("nothing to deploy"), e.getMessage());
    }

    private static Set<String> ports(Container c) {
        return c.getPorts().stream().map(ContainerPort::getName).collect(Collectors.toSet());
    }

    /** The {@code --name=value} arguments of a deployment's main container. */
    private static Map<String, String> options(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().stream().filter(a -> a.startsWith("--") && a.contains("="))
                .collect(Collectors.toMap(a -> a.substring(0, a.indexOf('=')), a -> a.substring(a.indexOf('=') + 1)));
    }
}
