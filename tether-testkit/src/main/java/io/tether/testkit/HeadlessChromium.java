package io.tether.testkit;

import java.nio.file.Path;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's chromium, headless, driven through the system chromedriver: both by path (from
 * {@link Requirements}), so nothing downloads a browser or a driver. A test that uses it declares
 * {@code @Requires(binaries = {"chromium", "chromedriver"})} and selenium-chrome-driver (test scope).
 */
public final class HeadlessChromium {
    private HeadlessChromium() {
    }

    /**
     * A new browser with its own empty profile in {@code profile} and a window of the given size.
     * The background-networking flags keep it from calling out: this machine's network is closed,
     * and refused connections slow it down.
     */
    public static WebDriver start(Path profile, int width, int height) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(Requirements.binary("chromium").toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Requirements.binary("chromedriver").toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
