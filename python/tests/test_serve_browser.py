"""The web page of `fcdd-swift serve` in a real headless browser (Debian's chromium and chromium-driver, driven
by selenium; scripts/test.sh installs them): pick a defective part, read the verdict, score, overlay, mask and
regions, and keep a screenshot. Nothing outside this machine is reached: the page loads nothing from
elsewhere and the browser talks only to the loopback server."""
import os
import shutil

import numpy as np
import pytest

pytest.importorskip("fastapi")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")

import fcdd_swift as fs  # noqa: E402
from serve_support import Server  # noqa: E402

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
SCREENSHOT = os.environ.get("FCDD_SWIFT_SCREENSHOT")   # where to keep the screenshot (docs/serving.md's picture)


def _browser():
    if CHROMIUM is None or DRIVER is None:
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1100,900",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def test_the_page_decides_a_defective_part(parts_model, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    det = parts_model["det"]
    flagged = np.flatnonzero(det.predict(parts_model["defective"]) == 1)
    assert len(flagged), "the model flags some defects"
    image = np.kron(parts_model["defective"][flagged[0]], np.ones((4, 4), np.uint8))   # 128 x 128 to be seen
    expected = det.inspect(image[None])[0]
    assert expected["label"] == 1
    upload = tmp_path / "scratched-part.png"
    upload.write_bytes(fs.encode_png(image))
    with Server([f"parts={parts_model['path']}"], str(tmp_path / "server.log")) as server:
        browser = _browser()
        try:
            browser.get(server.url + "/")
            wait = WebDriverWait(browser, 60)
            wait.until(ready.text_to_be_present_in_element((By.ID, "model"), "parts"))
            assert "image threshold" in browser.find_element(By.ID, "thresholds").text
            browser.find_element(By.ID, "file").send_keys(str(upload))
            wait.until(ready.visibility_of_element_located((By.ID, "verdict")))
            verdict = browser.find_element(By.ID, "verdict").text
            score = float(browser.find_element(By.ID, "score").text)
            regions = browser.find_element(By.ID, "regions").get_attribute("data-count")
            overlay_loaded = browser.execute_script(
                "const o = document.getElementById('overlay'), m = document.getElementById('mask');"
                "return [o.complete && o.naturalWidth, m.complete && m.naturalWidth];")
            path = SCREENSHOT or str(tmp_path / "page.png")
            browser.save_screenshot(path)
            errors = browser.find_element(By.ID, "error").text
        finally:
            browser.quit()
    assert errors == ""
    assert verdict == "ANOMALOUS"
    assert score == pytest.approx(expected["score"], rel=1e-4)
    assert regions == str(len(expected["regions"]))
    assert overlay_loaded == [128, 128]
    shot = fs.read_image(path)
    assert shot.shape[0] > 300 and shot.shape[1] > 300


def test_the_page_asks_for_the_api_key_and_then_works(parts_model, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    key_file = tmp_path / "key"
    key_file.write_text("page-key-42")
    os.chmod(key_file, 0o600)
    upload = tmp_path / "part.png"
    image = parts_model["nominal"][0]
    upload.write_bytes(fs.encode_png(image))
    with Server([f"parts={parts_model['path']}", "--api-key-file", str(key_file)], str(tmp_path / "server.log")) as server:
        browser = _browser()
        try:
            browser.get(server.url + "/")
            wait = WebDriverWait(browser, 60)
            wait.until(ready.visibility_of_element_located((By.ID, "keyrow")))
            assert "API key" in browser.find_element(By.ID, "error").text
            browser.find_element(By.ID, "key").send_keys("page-key-42")
            browser.find_element(By.ID, "usekey").click()
            wait.until(ready.text_to_be_present_in_element((By.ID, "model"), "parts"))
            browser.find_element(By.ID, "file").send_keys(str(upload))
            wait.until(ready.visibility_of_element_located((By.ID, "verdict")))
            score = float(browser.find_element(By.ID, "score").text)
        finally:
            browser.quit()
    assert score == pytest.approx(parts_model["det"].decision_function(image[None])[0], rel=1e-4)
