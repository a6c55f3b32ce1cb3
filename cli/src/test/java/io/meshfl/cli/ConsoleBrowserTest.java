package io.meshfl.cli;

import io.meshfl.core.trust.Pem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The console in a real browser: headless Chromium driven by Selenium against a coordinator and the
 * two clinics' nodes of breast-homo, each its own process over mutual TLS. The operator, a clinic's
 * owner and a data scientist sign in with their certificate and key files; the operator submits
 * the job from the editor (the browser signs its ticket), watches its curve grow round by round,
 * opens the model's lineage and filters the audit by the run; the data scientist's job over a
 * product not granted to her is refused naming it. Every page is photographed into
 * {@code target/console/} (and into the folder {@code -Dmeshfl.console.docs} names).
 */
@Tag("browser")
class ConsoleBrowserTest {

    @TempDir
    Path tmp;

    private WebDriver browser;
    private String base;
    private Path certs;
    private final List<String> shots = new ArrayList<>();

    @Test
    void eachRoleSignsInTheOperatorRunsAJobAndFollowsItLiveAndAnUngrantedJobIsRefusedNamingTheProduct() throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        Path chromium = Path.of("/usr/bin/chromium"), driver = Path.of("/usr/bin/chromedriver");
        if (!Files.isExecutable(chromium) || !Files.isExecutable(driver)) {
            throw new AssertionError("the browser suite needs Debian's chromium and chromium-driver (.ci/run installs them)");
        }
        Path examples = SharedData.repoRoot().resolve("examples/breast-homo");
        certs = tmp.resolve("certs");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", "clinic-a,clinic-b", "--days", "1"));
        assertEquals(0, Main.execute("certs", "add", "--dir", certs.toString(), "--client", "alice", "--days", "1"));
        try (ProcessMesh mesh = new ProcessMesh(tmp.resolve("logs"))) {
            String coordinator = mesh.coordinator(certs, java.util.Map.of(), "--catalog", tmp.resolve("catalog").toString(), "--http", "0");
            int http = Integer.parseInt(mesh.await("coordinator", Pattern.compile("REST API on https://127\\.0\\.0\\.1:(\\d+)/api"), 30_000));
            for (String d : List.of("clinic-a", "clinic-b")) mesh.node(d, examples, coordinator, certs, tmp.resolve("nodes").resolve(d));
            mesh.awaitNodes("clinic-a", "clinic-b");
            base = "https://127.0.0.1:" + http;
            browser = chrome(chromium, driver);
            try {
                String job = Files.readString(examples.resolve("job.yaml"));
                String run = operator(job);
                dataScientist(job);
                clinicOwner(run);
            } finally {
                browser.quit();
            }
            for (String name : List.of("coordinator", "clinic-a", "clinic-b")) assertTrue(mesh.alive(name), name + " died");
        }
        String docs = System.getProperty("meshfl.console.docs");
        if (docs != null) {
            Files.createDirectories(Path.of(docs));
            for (String s : shots) Files.copy(Path.of("target", "console", s), Path.of(docs).resolve(s), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Headless Chromium that trusts the coordinator's key alone (pinned by its hash), not the system's CAs. */
    private WebDriver chrome(Path chromium, Path driver) throws Exception {
        var cert = Pem.certificate(certs.resolve("coordinator.pem"));
        String pin = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded()));
        ChromeOptions o = new ChromeOptions();
        o.setBinary(chromium.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000",
                "--ignore-certificate-errors-spki-list=" + pin, "--user-data-dir=" + tmp.resolve("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }

    private String operator(String job) throws Exception {
        signIn("client-operator");
        WebElement map = waitFor(By.id("mesh-map"));
        assertTrue(map.getAttribute("outerHTML").contains("clinic-a") && map.getAttribute("outerHTML").contains("clinic-b"), "the map shows both clinics");
        shot("mesh-map");
        open("/console/products");
        assertTrue(text("body").contains("clinic-a.breast"));
        shot("products");
        open("/console/products/clinic-a.breast");
        waitFor(By.id("product-schema"));
        assertFalse(browser.getPageSource().contains("datasets"), "a product page never shows where the data lives");
        shot("product");

        // the editor: the plan appears beside the job as it is typed, and submitting signs its ticket in the browser
        open("/console/jobs/new");
        setValue("job-yaml", job);
        waitUntil(() -> text("#job-plan").contains("horizontal"), 20, "the live plan");
        shot("job-editor");
        browser.findElement(By.id("job-submit")).click();
        waitUntil(() -> browser.getCurrentUrl().contains("/console/runs/"), 60, "the run page after submitting");
        String run = browser.getCurrentUrl().substring(browser.getCurrentUrl().lastIndexOf('/') + 1);

        // the curve grows while the run goes: rounds arrive through server-sent events, without reloading
        waitUntil(() -> rounds() >= 2, 120, "the first rounds");
        int seen = rounds();
        // a run of 30 rounds may end before three more come: then every round must have come
        waitUntil(() -> rounds() >= Math.min(seen + 3, 30), 120, "more rounds on the same page");
        assertFalse(browser.findElements(By.cssSelector("#run-curves canvas")).isEmpty(), "the curves are drawn");
        shot("run-live");
        waitUntil(() -> text("#run-status").contains("SUCCEEDED"), 300, "the run's end");
        assertEquals(30, rounds(), "every round of the run is on the page");
        shot("run-done");

        // the run's report, kept by the catalog
        waitUntil(() -> !browser.findElements(By.cssSelector("#run-report a")).isEmpty(), 20, "the report's link once the run ended");
        String runPage = browser.getCurrentUrl();
        browser.findElement(By.cssSelector("#run-report a")).click();
        waitUntil(() -> browser.getPageSource().contains("breast-homo") && browser.getPageSource().contains("auc"), 20, "the HTML report");
        shot("report");
        browser.get(runPage);

        // the model: its lineage from the products through the run
        waitFor(By.cssSelector("a[href^='/console/models/']")).click();
        WebElement lineage = waitFor(By.id("lineage"));
        String svg = lineage.getAttribute("outerHTML");
        assertTrue(svg.contains("clinic-a.breast") && svg.contains("clinic-b.breast") && svg.contains(run), svg);
        waitFor(By.id("contribution"));
        shot("model");

        // the audit, filtered by the run, and the chains verified
        open("/console/audit");
        setValue("audit-run", run);
        browser.findElement(By.id("audit-filter")).click();
        waitUntil(() -> browser.getCurrentUrl().contains("run="), 20, "the filtered audit");
        List<WebElement> rows = browser.findElements(By.cssSelector("#audit-table tbody tr"));
        assertFalse(rows.isEmpty());
        for (WebElement r : rows) assertTrue(r.getText().contains(run), "a row of another run: " + r.getText());
        browser.findElement(By.id("audit-verify")).click();
        waitUntil(() -> text("#verify-result").toLowerCase().contains("ok"), 60, "the chains' verification");
        shot("audit");
        open("/console/budgets");
        waitFor(By.id("budgets-table"));
        shot("budgets");
        open("/console/runs");
        assertTrue(text("#runs-table").contains(run));
        shot("runs");
        signOut();
        return run;
    }

    private void dataScientist(String job) throws Exception {
        signIn("client-alice");
        open("/console/jobs/new");
        setValue("job-yaml", job);
        waitUntil(() -> text("#job-problem").contains("clinic-a.breast"), 20, "the plan's refusal naming the product");
        browser.findElement(By.id("job-submit")).click();
        waitUntil(() -> text("#job-problem").contains("clinic-a.breast"), 20, "the submission's refusal naming the product");
        assertTrue(browser.getCurrentUrl().endsWith("/console/jobs/new"), "no run started");
        shot("job-refused");
        open("/console/runs");
        assertFalse(text("#runs-table").contains("breast-homo"), "alice sees no run she did not submit");
        signOut();
    }

    private void clinicOwner(String run) throws Exception {
        signIn("clinic-a");
        waitFor(By.id("mesh-map"));
        assertFalse(text("#domains-table").contains("clinic-b") && browser.getPageSource().contains("node-clinic-b"),
                "a clinic sees its own nodes only");
        open("/console/runs");
        assertTrue(text("#runs-table").contains(run), "the clinic sees the run over its product");
        open("/console/audit?run=" + run);
        assertFalse(browser.findElements(By.cssSelector("#audit-table tbody tr")).isEmpty());
        assertTrue(browser.findElements(By.id("audit-verify")).isEmpty(), "only the operator verifies the chains");
        shot("audit-domain");
        signOut();
    }

    private void signIn(String stem) {
        open("/console/login");
        browser.findElement(By.id("login-certificate")).sendKeys(certs.resolve(stem + ".pem").toString());
        browser.findElement(By.id("login-key")).sendKeys(certs.resolve(stem + "-key.pem").toString());
        if (shots.isEmpty()) shot("login");
        browser.findElement(By.id("login-submit")).click();
        waitUntil(() -> !browser.findElements(By.id("who")).isEmpty() || !text("#login-problem").isEmpty(), 20, "the login");
        assertTrue(text("#login-problem").isEmpty(), "login refused: " + text("#login-problem"));
    }

    private void signOut() {
        browser.findElement(By.id("logout")).click();
        waitUntil(() -> browser.getCurrentUrl().contains("/console/login"), 20, "the login page after logging out");
        open("/console/runs");
        waitUntil(() -> browser.getCurrentUrl().contains("/console/login"), 20, "a page needs a session again");
    }

    private int rounds() {
        String t = text("#round-count").replaceAll("\\D", "");
        return t.isEmpty() ? 0 : Integer.parseInt(t);
    }

    private void open(String path) {
        browser.get(base + path);
    }

    /** The text of the first element {@code css} selects now, or "" (also while the page is being replaced). */
    private String text(String css) {
        try {
            // one script reads the element and its text in the same document: no element handle can outlive a replaced page
            Object t = ((JavascriptExecutor) browser).executeScript(
                    "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css);
            return t == null ? "" : t.toString().strip();
        } catch (org.openqa.selenium.WebDriverException e) {
            if (replaced(e)) return "";
            throw e;
        }
    }

    /** Chromium's ways of saying the document went away between two calls (a navigation or a swap). */
    private static boolean replaced(org.openqa.selenium.WebDriverException e) {
        if (e instanceof org.openqa.selenium.StaleElementReferenceException) return true;
        String m = String.valueOf(e.getMessage());
        return m.contains("does not belong to the document") || m.contains("execution context") || m.contains("navigat");
    }

    private void setValue(String id, String value) {
        WebElement e = waitFor(By.id(id));
        e.clear();
        // the whole text at once, then an input event, as typing's last keystroke would send
        ((JavascriptExecutor) browser).executeScript("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
                e, value);
    }

    private WebElement waitFor(By by) {
        return new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> d.findElements(by).isEmpty() ? null : d.findElement(by));
    }

    private void waitUntil(java.util.function.BooleanSupplier ok, int seconds, String what) {
        try {
            new WebDriverWait(browser, Duration.ofSeconds(seconds)).until(d -> ok.getAsBoolean());
        } catch (org.openqa.selenium.TimeoutException e) {
            shot("failed");
            throw new AssertionError("waited " + seconds + " s for " + what + " on " + browser.getCurrentUrl() + ":\n" + text("main"), e);
        }
    }

    /** The whole page, not only what the window shows (Chromium's own capture, through the DevTools protocol). */
    private byte[] fullPage() {
        var js = (JavascriptExecutor) browser;
        long w = ((Number) js.executeScript("return document.documentElement.scrollWidth")).longValue();
        long h = ((Number) js.executeScript("return Math.min(document.documentElement.scrollHeight, 6000)")).longValue();
        var r = ((ChromeDriver) browser).executeCdpCommand("Page.captureScreenshot", java.util.Map.of("format", "png", "captureBeyondViewport", true,
                "clip", java.util.Map.of("x", 0, "y", 0, "width", w, "height", h, "scale", 0.7)));
        return Base64.getDecoder().decode((String) r.get("data"));
    }

    private void shot(String name) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "console"));
            Files.write(dir.resolve(name + ".png"), fullPage());
            if (!name.equals("failed")) shots.add(name + ".png");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
