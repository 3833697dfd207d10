"""The browser walk of issue 10: headless Chromium, driven by Selenium, uses a running Lvze server
the way people do — it follows links, types into fields, picks files and presses buttons; it never
posts a request itself.

    python walk.py --base http://127.0.0.1:PORT --out DIR

Normally started by run.sh, which starts the server (with --demo) first. Prints one line per step
and closes with "N passed, N failed"; exits 1 when a step failed. Screenshots of the login page,
the hazard list, the record after approval and the leader's report are always saved in DIR; a
failed step adds its screenshot and page source there, named after the step.
"""
import argparse
import datetime
import io
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from urllib.parse import urlparse

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "Lvze@Demo2026"
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1366,768", "--lang=zh-CN", "--disable-dev-shm-usage"]
HAZARD = "hazard"                       # ledger kind id of 隐患排查治理台账
HAZARD_LEDGER = "隐患排查治理台账"
WAIT = 30                               # seconds for a page to answer; an import gets longer


class StepFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise StepFailed(message)


# --- files the users pick -----------------------------------------------------------------------

def make_photo(path, target=900 * 1024):
    """A real JPEG of random noise, about `target` bytes (a phone photo of a fixed hazard)."""
    from PIL import Image
    rng = random.Random(10)
    width, height = 1280, 960
    noise = bytes(rng.getrandbits(8) for _ in range(width * height * 3))
    image = Image.frombytes("RGB", (width, height), noise)
    # Noise over a smooth gradient, so the quality setting moves the size smoothly.
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.blend(image, gradient, 0.55)
    low, high, best = 5, 95, None
    while low <= high:
        quality = (low + high) // 2
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        size = buffer.tell()
        if best is None or abs(size - target) < abs(best[1] - target):
            best = (buffer.getvalue(), size)
        if size < target:
            low = quality + 1
        else:
            high = quality - 1
    with open(path, "wb") as f:
        f.write(best[0])
    return best[1]


# Values for the hazard ledger's import columns, by the first name the import page shows.
PLACES = ["配电室", "仓库", "食堂", "锅炉房", "办公楼", "宿舍", "车间", "停车场", "加油站", "码头"]
PEOPLE = ["张伟", "李娜", "王强", "赵敏", "孙丽", "周杰", "吴芳", "郑涛", "钱进", "冯雪"]
WORDS = "消防通道堵塞灭火器过期电线私拉乱接安全出口锁闭应急照明损坏燃气管道老化护栏缺失警示标志脱落违规动火堆放易燃物"


def hazard_row(rng, i, marker, today):
    found = today - datetime.timedelta(days=rng.randrange(0, 20))
    words = "".join(rng.choice(WORDS) for _ in range(rng.randrange(18, 40)))
    return {
        "序号": i,
        "问题来源": rng.choice(["检查发现", "自查自纠", "督导", "群众举报"]),
        "排查时间": datetime.datetime.combine(found, datetime.time()),
        "排查人": rng.choice(PEOPLE),
        "隐患单位": f"示范企业{rng.randrange(1, 400)}号",
        "隐患部位": f"{rng.choice(PLACES)}{rng.randrange(1, 30)}号",
        "隐患描述": f"{marker}第{i}项：{words}",
        "隐患等级": "一般隐患",
        "责任部门": rng.choice(["设备科", "后勤处", "安全科", "办公室"]),
        "整改资金": round(rng.random() * 5, 2),
        "整改措施": "限期整改并复查：" + "".join(rng.choice(WORDS) for _ in range(12)),
        "责任人": rng.choice(PEOPLE),
        "整改时限": datetime.datetime.combine(found + datetime.timedelta(days=30 + rng.randrange(30)), datetime.time()),
        "备注": f"第{rng.randrange(1, 40)}网格",
    }


def write_import_xlsx(path, columns, rows):
    """columns: (header written in the sheet, key of hazard_row) pairs."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "隐患台账"
    ws.append([header for header, _ in columns])
    for row in rows:
        ws.append([row.get(key, "") for _, key in columns])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = "yyyy-mm-dd"
    wb.save(path)
    return os.path.getsize(path)


def make_import_files(directory, columns, marker, today, target=128 * 1024):
    """The same ~128 KB hazard workbook twice: once with a bad date in one row, once fixed."""
    count = 800
    for _ in range(6):
        rng = random.Random(20)
        rows = [hazard_row(rng, i + 1, marker, today) for i in range(count)]
        good = os.path.join(directory, "隐患导入.xlsx")
        size = write_import_xlsx(good, columns, rows)
        if abs(size - target) < target * 0.03:
            break
        count = max(50, int(count * target / size))
    bad_index = len(rows) // 2
    bad_rows = [dict(r) for r in rows]
    bad_rows[bad_index]["排查时间"] = "2025年13月45日"
    bad = os.path.join(directory, "隐患导入-有错.xlsx")
    write_import_xlsx(bad, columns, bad_rows)
    # The sheet's header is row 1, so data row k (1-based) is spreadsheet row k + 1.
    return good, bad, len(rows), bad_index + 2, os.path.getsize(good)


# --- the walk ---------------------------------------------------------------------------------

class Walk:
    def __init__(self, base, out):
        self.base = base.rstrip("/")
        self.out = out
        self.work = tempfile.mkdtemp(prefix="lvze-walk-")
        self.downloads = os.path.join(self.work, "downloads")
        os.makedirs(self.downloads)
        self.results = []           # (name, status, seconds, message)
        self.state = {}
        self.started = time.monotonic()
        self.driver = None
        self.server_log = None
        self.console = []           # (step, level, message) from the browser console

    # browser ------------------------------------------------------------------------------------

    def start_browser(self):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in CHROME_FLAGS:
            options.add_argument(flag)
        options.add_experimental_option("prefs", {
            "intl.accept_languages": "zh-CN,zh",
            "download.default_directory": self.downloads,
            "download.prompt_for_download": False,
            "download.directory_upgrade": True,
            "profile.default_content_setting_values.automatic_downloads": 1,
            "safebrowsing.enabled": False,
            "credentials_enable_service": False,
            "profile.password_manager_enabled": False,
        })
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(60)
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": self.downloads, "eventsEnabled": True})

    def quit(self):
        if self.driver:
            try:
                self.driver.quit()
            except WebDriverException:
                pass
        shutil.rmtree(self.work, ignore_errors=True)

    # one step -----------------------------------------------------------------------------------

    def log(self, text):
        print(f"[{time.monotonic() - self.started:7.1f}s] {text}", flush=True)

    def step(self, name, function, needs=()):
        missing = [n for n in needs if self.status(n) != "passed"]
        began = time.monotonic()
        if missing:
            self.results.append((name, "skipped", 0.0, "needs " + ", ".join(missing)))
            self.log(f"SKIP {name}: needs {', '.join(missing)}")
            return
        try:
            message = function() or ""
            status = "passed"
        except Exception as e:
            status = "failed"
            message = self.describe_failure(e)
            self.save_failure(name)
        seconds = time.monotonic() - began
        self.collect_console(name)
        self.results.append((name, status, seconds, message))
        word = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}[status]
        self.log(f"{word} {name} ({seconds:.1f}s){': ' + message if message else ''}")

    def collect_console(self, step):
        """The browser console's warnings and errors (a CSP violation shows here), kept per step."""
        try:
            for entry in self.driver.get_log("browser"):
                if entry.get("level") in ("SEVERE", "WARNING"):
                    self.console.append((step, entry["level"], entry["message"]))
        except WebDriverException:
            pass

    def status(self, name):
        for n, s, _, _ in self.results:
            if n == name:
                return s
        return None

    def describe_failure(self, e):
        text = f"{type(e).__name__}: {e}".strip()
        if isinstance(e, TimeoutException) or not isinstance(e, StepFailed):
            text += " | " + "".join(traceback.format_exception(e)[-3:]).replace("\n", " ")[:600]
        page = self.error_page()
        if page:
            text += f" | the page shows: {page}"
        try:
            text += f" | at {self.driver.current_url}"
        except WebDriverException:
            pass
        return text

    def save_failure(self, name):
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
        try:
            self.driver.save_screenshot(os.path.join(self.out, f"FAILED-{safe}.png"))
            with open(os.path.join(self.out, f"FAILED-{safe}.html"), "w", encoding="utf-8") as f:
                f.write(f"<!-- {self.driver.current_url} -->\n")
                f.write(self.driver.page_source)
        except WebDriverException as e:
            self.log(f"     (could not save the page of {name}: {e})")

    def screenshot(self, filename):
        """A full-page screenshot (the page's height, the window's 1366 width)."""
        d = self.driver
        path = os.path.join(self.out, filename)
        height = d.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        metrics = {"width": 1366, "height": min(max(int(height), 768), 6000), "deviceScaleFactor": 1, "mobile": False}
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        try:
            d.save_screenshot(path)
        finally:
            d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return path

    def clip_screenshot(self, filename, top, height):
        """A screenshot of the band [top, top + height) of the page (CSS pixels), 1366 wide."""
        import base64
        data = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": max(0, int(top)), "width": 1366, "height": int(height), "scale": 1}})
        path = os.path.join(self.out, filename)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data["data"]))
        return path

    # page helpers ---------------------------------------------------------------------------------

    def wait(self, seconds=WAIT):
        # A page that refreshes itself (an import's job page) can replace an element between
        # finding it and reading it: the condition is asked again.
        return WebDriverWait(self.driver, seconds, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException])

    def error_page(self):
        """The heading, message and reference of Lvze's error page, if this is one."""
        try:
            pages = self.driver.find_elements(By.CSS_SELECTOR, "section.error-page")
            if pages:
                return " ".join(pages[0].text.split())
        except WebDriverException:
            pass
        return ""

    def expect_page(self, path_prefix=None, seconds=WAIT):
        """After a click that loads a page: the page is complete and is not an error page."""
        self.wait(seconds).until(lambda d: d.execute_script("return document.readyState") == "complete")
        page = self.error_page()
        status = self.document_status()
        if page:
            raise StepFailed(f"error page (HTTP {status}): {page}")
        if path_prefix is not None:
            path = urlparse(self.driver.current_url).path
            check(path.startswith(path_prefix), f"expected a page under {path_prefix}, got {self.driver.current_url} (HTTP {status})")
        return status

    def document_status(self):
        """HTTP status of the last page (document) the browser received, from Chrome's network log."""
        status = None
        try:
            for entry in self.driver.get_log("performance"):
                message = json.loads(entry["message"])["message"]
                if message.get("method") == "Network.responseReceived" and message["params"].get("type") == "Document":
                    status = message["params"]["response"]["status"]
        except (WebDriverException, KeyError, ValueError):
            return None
        if status is not None:
            self.state["last_status"] = status
        return self.state.get("last_status")

    def loads_page(self, action):
        """Runs `action` (a click) and waits until the browser has left the old page.

        Chromedriver may answer a call on the old page's nodes during the navigation with
        "Node with given id does not belong to the document" instead of a stale-element error:
        that too means the old page is gone."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        try:
            action()
        except WebDriverException as error:
            if "does not belong to the document" not in str(error):
                raise

        def left(_):
            try:
                old.is_enabled()
                return False
            except WebDriverException:
                return True
        self.wait().until(left)
        self.wait().until(lambda d: d.execute_script("return document.readyState") == "complete")

    def click_link(self, text, within=None, exact=True):
        scope = within or self.driver
        if exact:
            links = [a for a in scope.find_elements(By.TAG_NAME, "a") if a.text.strip() == text and a.is_displayed()]
        else:
            links = [a for a in scope.find_elements(By.PARTIAL_LINK_TEXT, text) if a.is_displayed()]
        check(links, f"no link 「{text}」 on {self.driver.current_url}")
        self.loads_page(links[0].click)

    def button(self, text, within=None):
        scope = within or self.driver
        buttons = [b for b in scope.find_elements(By.TAG_NAME, "button") if b.text.strip() == text and b.is_displayed()]
        check(buttons, f"no button 「{text}」 on {self.driver.current_url}")
        return buttons[0]

    def form_of_button(self, text):
        return self.button(text).find_element(By.XPATH, "./ancestor::form[1]")

    def press(self, text, within=None):
        self.loads_page(self.button(text, within).click)

    def field(self, name, within=None):
        return (within or self.driver).find_element(By.NAME, name)

    def type_into(self, name, text, within=None):
        element = self.field(name, within)
        element.clear()
        element.send_keys(text)
        return element

    def choose(self, name, label, within=None):
        Select(self.field(name, within)).select_by_visible_text(label)

    def type_date(self, name, day, within=None):
        """Types a date into <input type=date> as a user would, in the order the browser shows
        (this Chromium's locale decides: mm/dd/yyyy for en-US, yyyy/mm/dd for zh-CN)."""
        element = self.field(name, within)
        iso = day.isoformat()
        orders = [self.state["date_order"]] if "date_order" in self.state else ["%m%d%Y", "%Y\ue014%m%d", "%d%m%Y"]
        for order in orders:
            element.clear()
            element.send_keys(day.strftime(order))   # \ue014 is the right arrow key: a year takes up to 6 digits
            if element.get_attribute("value") == iso:
                self.state["date_order"] = order
                return element
        raise StepFailed(f"could not type {iso} into the date field {name} (it shows {element.get_attribute('value')!r})")

    def body_text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def flash(self):
        flashes = self.driver.find_elements(By.CSS_SELECTOR, "div.flash")
        return " ".join(f.text for f in flashes)

    def errors_box(self):
        boxes = self.driver.find_elements(By.CSS_SELECTOR, "div.errors")
        return " ".join(" ".join(b.text.split()) for b in boxes)

    def wait_download(self, before, suffix, seconds=60):
        """The file a click started downloading: new in the download folder, complete, ending in suffix."""
        def done(_):
            names = set(os.listdir(self.downloads)) - before
            finished = [n for n in names if n.lower().endswith(suffix) and not n.endswith(".crdownload")]
            partial = [n for n in names if n.endswith(".crdownload")]
            return finished[0] if finished and not partial else False
        try:
            name = self.wait(seconds).until(done)
        except TimeoutException:
            raise StepFailed(f"no {suffix} file arrived in the download folder within {seconds}s "
                             f"(there: {sorted(set(os.listdir(self.downloads)) - before)})")
        return os.path.join(self.downloads, name)

    # accounts -------------------------------------------------------------------------------------

    def login(self, username):
        d = self.driver
        viewers = d.find_elements(By.CSS_SELECTOR, "header .viewer")
        if viewers:
            self.logout()
        if not urlparse(d.current_url).path.startswith("/login"):
            d.get(self.base + "/login")       # the address a user types or has bookmarked
        self.expect_page("/login")
        self.type_into("username", username)
        self.type_into("password", PASSWORD)
        self.press("登录")
        self.expect_page()
        check(d.find_elements(By.CSS_SELECTOR, "header .viewer"), f"{username} is not logged in: {self.errors_box() or self.body_text()[:200]}")
        path = urlparse(d.current_url).path
        check(not path.startswith("/password"), f"{username} was sent to the password page: {self.body_text()[:200]}")
        self.state["user"] = username
        # The server's date (its time zone, not this machine's) from the home page's 今天是….
        m = re.search(r"今天是(\d{4})年(\d{1,2})月(\d{1,2})日", self.body_text())
        if m:
            self.state["today"] = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))

    def logout(self):
        self.press("退出", within=self.driver.find_element(By.CSS_SELECTOR, "header .viewer"))
        self.expect_page("/login")
        self.state["user"] = None

    def open_hazard_ledger(self):
        """From anywhere: 安全生产 in the main menu, then the hazard ledger's tile."""
        nav = self.driver.find_element(By.CSS_SELECTOR, "nav.mainnav")
        self.click_link("安全生产", within=nav)
        self.expect_page()
        tiles = [a for a in self.driver.find_elements(By.CSS_SELECTOR, "a.tile") if HAZARD_LEDGER in a.text]
        check(tiles, f"no tile 「{HAZARD_LEDGER}」 on the 安全生产 page")
        self.loads_page(tiles[0].click)
        self.expect_page(f"/ledgers/{HAZARD}")

    def find_hazard(self, words):
        """Opens a hazard from the ledger list by searching for words of its description."""
        self.open_hazard_ledger()
        form = self.driver.find_element(By.CSS_SELECTOR, "form.filters")
        self.type_into("q", words, within=form)
        self.press("查询", within=form)
        self.expect_page(f"/ledgers/{HAZARD}")
        table = self.driver.find_element(By.CSS_SELECTOR, "table.records")
        links = [a for a in table.find_elements(By.TAG_NAME, "a") if words in a.text]
        if not links:   # the title column may be shortened: take the row's link
            rows = [r for r in table.find_elements(By.CSS_SELECTOR, "tbody tr") if words in r.text]
            links = rows[0].find_elements(By.TAG_NAME, "a") if rows else []
        check(links, f"the list finds no hazard with 「{words}」: {self.body_text()[:300]}")
        self.loads_page(links[0].click)
        self.expect_page(f"/ledgers/{HAZARD}/")

    def workflow_state(self):
        return self.driver.find_element(By.CSS_SELECTOR, "section.workflow .state").text.strip()

    # the report ----------------------------------------------------------------------------------

    def open_report(self, year):
        nav = self.driver.find_element(By.CSS_SELECTOR, "nav.mainnav")
        self.click_link("述职报告", within=nav)
        self.expect_page("/reports")
        form = self.driver.find_element(By.CSS_SELECTOR, "form.filters")
        select = Select(self.field("year", within=form))
        labels = [o.text for o in select.options]
        wanted = [o for o in select.options if o.get_attribute("value") == str(year)]
        check(wanted, f"the report's 年度 list has no {year}: {labels}")
        if not wanted[0].is_selected():
            select.select_by_value(str(year))
            self.press("生成", within=form)
        self.expect_page("/reports", seconds=120)
        check(f"year={year}" in self.driver.current_url or Select(self.field("year")).first_selected_option.get_attribute("value") == str(year),
              f"the report is not for {year}")

    def hazard_figures(self):
        """The report's figures about hazards (隐患): the metrics table rows whose label names 隐患 and
        whose metric id is of the hazard ledger, and the figures in the text linked to them."""
        figures = {}
        for row in self.driver.find_elements(By.CSS_SELECTOR, "table.metrics tbody tr"):
            cells = row.find_elements(By.TAG_NAME, "td")
            if len(cells) < 3:
                continue
            metric, label, value = cells[0].text.strip(), cells[1].text.strip(), cells[2].text.strip()
            if "隐患" in label and metric.startswith("safety.hazards."):
                figures[metric] = (label, value)
        text_figures = {}
        for a in self.driver.find_elements(By.CSS_SELECTOR, ".report-sheet a.fig"):
            title = a.get_attribute("title") or ""
            m = re.search(r"（(safety\.hazards\.[^）]+)）", title)
            if m:
                text_figures.setdefault(m.group(1), []).append(a.text.strip())
        return figures, text_figures


def number(text):
    m = re.search(r"-?\d[\d,]*(\.\d+)?", text or "")
    check(m, f"not a number: {text!r}")
    return float(m.group(0).replace(",", ""))


# --- the steps ----------------------------------------------------------------------------------

def steps(w: Walk):
    def d():
        return w.driver
    run = datetime.datetime.now().strftime("%H%M%S")
    description = f"浏览器巡检隐患{run}：配电室电缆沟积水，消防器材缺失"
    words = f"浏览器巡检隐患{run}"
    state = w.state

    def today():
        """The server's date as its home page tells it (the machine's may be another day)."""
        check("today" in state, "no page has shown the server's date (今天是…) yet")
        return state["today"]

    def login_page():
        d().get(w.base + "/")
        w.expect_page("/login")
        check("登录履责系统" in w.body_text(), "the login page has no heading 登录履责系统")
        check(d().find_elements(By.NAME, "_csrf"), "the login form has no _csrf field")
        w.screenshot("01-login.png")
        fonts = d().execute_script("return document.fonts.check('16px sans-serif', '登录履责系统')")
        return f"screenshot 01-login.png; CJK font ready: {fonts}"

    def leader_report_before():
        w.login("lingdao")
        w.open_report(today().year)
        figures, text_figures = w.hazard_figures()
        check("safety.hazards.found" in figures, f"the report's metric table has no hazard figures: {figures}")
        state["before"] = figures
        state["before_text"] = text_figures
        return "; ".join(f"{label}={value}" for label, value in figures.values())

    def clerk_login():
        w.login("jingban")
        return d().find_element(By.CSS_SELECTOR, "header .viewer").text.replace("\n", " ")

    def hazard_form_keeps_input():
        w.open_hazard_ledger()
        w.click_link("新增记录")
        w.expect_page(f"/ledgers/{HAZARD}/new")
        form = d().find_element(By.CSS_SELECTOR, "form.form-grid")
        check(w.field("unit", form).get_attribute("value"), "the unit field is not filled in with the clerk's unit")
        prefilled = w.field("f_found_on", form).get_attribute("value")
        check(prefilled == today().isoformat(), f"排查时间 is prefilled with {prefilled!r}, not the server's today {today()}")
        w.choose("f_source", "检查发现", form)
        w.type_date("f_found_on", today(), form)
        w.type_into("f_inspector", "王强", form)
        w.type_into("f_enterprise_name", "示范区第一热电厂", form)
        w.type_into("f_location", "1号配电室", form)
        # 隐患描述 (required) is left empty on purpose
        w.choose("f_level", "一般隐患", form)
        w.type_into("f_department", "安全科", form)
        w.type_into("f_funds", "1.5", form)
        w.type_into("f_measures", "排水清淤，补齐灭火器", form)
        w.type_into("f_responsible_person", "李娜", form)
        w.type_date("f_deadline", today() + datetime.timedelta(days=30), form)
        w.press("保存", form)
        status = w.document_status()
        errors = w.errors_box()
        page = w.error_page()
        check(not page, f"saving answered an error page (HTTP {status}): {page}")
        check(errors, f"no error message after saving without 隐患描述 (HTTP {status}, at {d().current_url})")
        check("隐患描述" in errors, f"the message does not name 隐患描述: {errors}")
        form = d().find_element(By.CSS_SELECTOR, "form.form-grid")
        kept = {
            "f_inspector": "王强", "f_enterprise_name": "示范区第一热电厂", "f_location": "1号配电室",
            "f_department": "安全科", "f_measures": "排水清淤，补齐灭火器", "f_responsible_person": "李娜",
            "f_found_on": today().isoformat(), "f_deadline": (today() + datetime.timedelta(days=30)).isoformat(),
        }
        lost = {k: w.field(k, form).get_attribute("value") for k, v in kept.items() if w.field(k, form).get_attribute("value") != v}
        for name, label in [("f_level", "一般隐患"), ("f_source", "检查发现")]:
            shown = Select(w.field(name, form)).first_selected_option.text
            if shown != label:
                lost[name] = shown
        funds = w.field("f_funds", form).get_attribute("value")
        if number(funds) != 1.5:
            lost["f_funds"] = funds
        check(not lost, f"typed values lost after the failed save: {lost}")
        field_error = [e.text for e in form.find_elements(By.CSS_SELECTOR, ".field-error")]
        return f"HTTP {status}; message: {errors[:120]}; beside the field: {field_error}"

    def hazard_save():
        form = d().find_element(By.CSS_SELECTOR, "form.form-grid")
        w.type_into("f_description", description, form)
        w.press("保存", form)
        w.expect_page(f"/ledgers/{HAZARD}/")
        m = re.match(rf"/ledgers/{HAZARD}/(\d+)$", urlparse(d().current_url).path)
        check(m, f"not on a record page after saving: {d().current_url}")
        state["record_path"] = m.group(0)
        state["record_id"] = int(m.group(1))
        check(description in w.body_text(), "the record page does not show the description")
        check(w.workflow_state() == "待整改", f"a new hazard is 「{w.workflow_state()}」, not 待整改")
        return f"record {state['record_path']}; flash: {w.flash()}"

    def hazard_list_screenshot():
        w.open_hazard_ledger()
        table = d().find_element(By.CSS_SELECTOR, "table.records")
        check(words in table.text, "the new hazard is not in the list (newest first)")
        w.screenshot("02-hazard-list.png")
        return "screenshot 02-hazard-list.png"

    def start_rectification():
        w.find_hazard(words)
        w.press("开始整改")
        w.expect_page(state["record_path"])
        check(w.workflow_state() == "整改中", f"after 开始整改 the state is 「{w.workflow_state()}」")
        return w.flash()

    def upload_evidence():
        photo = os.path.join(w.work, "整改后现场照片.jpg")
        size = make_photo(photo)
        state["photo_size"] = size
        form = d().find_element(By.CSS_SELECTOR, f"form[action='{state['record_path']}/attachments']")
        w.choose("field", "佐证材料", form)
        w.field("files[]", form).send_keys(photo)
        w.press("上传", form)
        w.expect_page(state["record_path"])
        rows = [r.text for r in d().find_elements(By.CSS_SELECTOR, "table.data tbody tr") if "整改后现场照片.jpg" in r.text]
        check(rows, f"the photo is not listed among the attachments: {w.errors_box() or w.flash()}")
        evidence = d().find_element(By.CSS_SELECTOR, "section.workflow").text
        check("已有佐证材料1份" in evidence, f"the close-out form does not count the photo: {evidence[-80:]}")
        return f"{size / 1024:.0f} KB JPEG uploaded; {rows[0]}"

    def request_closure(note):
        def run_step():
            form = w.form_of_button("申请销号")
            w.type_into("description", note, form)
            w.press("申请销号", form)
            w.expect_page(state["record_path"])
            check(w.workflow_state() == "申请销号", f"after 申请销号 the state is 「{w.workflow_state()}」: {w.errors_box()}")
            return w.flash()
        return run_step

    def home_group(title):
        """The links of a 待办 group on the home page."""
        headings = [h for h in d().find_elements(By.CSS_SELECTOR, ".inbox h3") if h.text.startswith(title)]
        if not headings:
            return []
        return headings[0].find_element(By.XPATH, "following-sibling::ul[1]").find_elements(By.TAG_NAME, "a")

    def reviewer_inbox():
        w.login("shenhe")   # lands on the home page
        links = [a for a in home_group("待审批的销号和延期申请") if words in a.text]
        w.screenshot("04-reviewer-home.png")
        how = "on the home page"
        if not links:   # more requests than the home page shows: 查看全部 lists every one
            heading = [h for h in d().find_elements(By.CSS_SELECTOR, ".inbox h3") if h.text.startswith("待审批的销号和延期申请")][0]
            more = heading.find_elements(By.XPATH, "following-sibling::p[1]/a[text()='查看全部 →']")
            check(more, "the reviewer's 待办 shows part of the requests and no 查看全部")
            w.loads_page(more[0].click)
            w.expect_page("/supervision")
            links = [a for a in d().find_elements(By.CSS_SELECTOR, "table.data a") if words in a.text]
            how = "under 查看全部 (待审批 only)"
        check(links, f"the reviewer's 待办 does not list the close-out request: {w.body_text()[:500]}")
        w.loads_page(links[0].click)
        w.expect_page(state["record_path"])
        check(w.workflow_state() == "申请销号", f"the 待办 link opens a record in 「{w.workflow_state()}」")
        return f"the request is in 待审批的销号和延期申请 {how}, one click from 批准/退回; screenshot 04-reviewer-home.png"

    def clerk_inbox():
        w.login("jingban")
        badge = d().find_elements(By.CSS_SELECTOR, "header .viewer a.messages .badge")
        check(badge and int(badge[0].text) >= 1, "no unread count beside 消息 after the send-back")
        unread = badge[0].text
        links = [a for a in home_group("被退回的事项") if words in a.text]
        check(links, f"the clerk's 待办 does not list the item sent back: {w.body_text()[:500]}")
        w.loads_page(links[0].click)
        w.expect_page(state["record_path"])
        panel = d().find_element(By.CSS_SELECTOR, "section.workflow").text
        check("销号申请被退回" in panel and "照片看不清积水是否排净" in panel, f"the workflow panel does not show the reason: {panel[:300]}")
        return f"{unread} unread; 被退回的事项 links to the record, whose panel shows the reason"

    def leader_supervision():
        w.login("lingdao")
        w.click_link("整改督办", within=d().find_element(By.CSS_SELECTOR, "nav.mainnav"))
        w.expect_page("/supervision")
        cards = [s for s in d().find_elements(By.CSS_SELECTOR, "section.card") if s.find_elements(By.XPATH, "./h2[text()='各责任单位']")]
        check(cards, "the supervision page has no 各责任单位 table")
        rows = cards[0].find_elements(By.CSS_SELECTOR, "tbody tr")
        check(rows, "no unit in the 各责任单位 table")
        first = rows[0].find_element(By.TAG_NAME, "a")
        name = first.text.strip()
        w.screenshot("05-supervision.png")
        w.loads_page(first.click)
        w.expect_page("/supervision")
        check(name in d().find_element(By.TAG_NAME, "h1").text, f"the drill-down is not {name}'s: {d().find_element(By.TAG_NAME, 'h1').text}")
        w.screenshot("06-supervision-unit.png")
        urge = [a for a in d().find_elements(By.TAG_NAME, "a") if a.text.strip() == "催办" and a.is_displayed()]
        check(urge, f"no 催办 link among {name}'s items")
        w.loads_page(urge[0].click)
        w.expect_page(f"/ledgers/")
        form = d().find_element(By.ID, "urge")
        w.type_into("note", "请于本周五前报送整改进展", form)
        w.press("催办", form)
        w.expect_page("/ledgers/")
        check("已催办" in w.flash(), f"no confirmation after 催办: {w.flash()} {w.errors_box()}")
        history = d().find_element(By.TAG_NAME, "main").text
        check("请于本周五前报送整改进展" in history, "the 催办 is not in the record's history")
        return f"{len(rows)} units, worst 「{name}」; {w.flash()}; screenshots 05, 06"

    def messages(user):
        """Logs in as `user`, opens 消息 from the header; the rows' (kind, title)."""
        w.login(user)
        w.click_link("消息", within=d().find_element(By.CSS_SELECTOR, "header .viewer"), exact=False)
        w.expect_page("/notices")
        rows = []
        for r in d().find_elements(By.CSS_SELECTOR, "table.notices tbody tr"):
            cells = r.find_elements(By.TAG_NAME, "td")
            if len(cells) == 4:
                rows.append((cells[0].text.strip(), cells[1].find_element(By.TAG_NAME, "a").text.strip()))
        return rows

    def reminders_reach_people():
        # What `lvze remind` said it sent (run.sh ran it before the walk): the handler's steps go to the
        # clerks of the item's unit or the nearest above (the demo has them at the district and two towns).
        with open(os.path.join(w.out, "remind.txt"), encoding="utf-8") as f:
            said = f.read().strip()
        handler_steps = sum(int(n) for n in re.findall(r"(?:绿色预警|黄色预警|红色预警)(\d+)项", said))
        got = {}
        for clerk in ["jingban", "jingban_t01", "jingban_t02"]:
            got[clerk] = [t for k, t in messages(clerk) if k == "预警提醒"]
            if got[clerk] and not os.path.exists(os.path.join(w.out, "07-messages.png")):
                w.screenshot("07-messages.png")
                link = [a for a in d().find_elements(By.CSS_SELECTOR, "table.notices tbody a") if a.text.strip() == got[clerk][0]][0]
                w.loads_page(link.click)
                w.expect_page()
                landed = urlparse(d().current_url).path
                check(landed.startswith("/ledgers/") or landed.startswith("/supervision"), f"a reminder leads to {landed}")
        reminded = {c: len(t) for c, t in got.items() if t}
        check(bool(reminded) == (handler_steps > 0), f"lvze remind said 「{said}」 but the clerks' 预警提醒 are {reminded}")
        leader = messages("lingdao")
        escalations = [t for k, t in leader if k == "逾期督办"]
        check(escalations, f"the leader has no 逾期督办 after 「{said}」: {leader[:5]}")
        return f"lvze remind: 「{said}」; clerks' 预警提醒 {reminded}; leader: {len(escalations)} 逾期督办, e.g. 「{escalations[0]}」"

    def leader_inbox():
        w.login("lingdao")
        units = home_group("需督办的单位")
        check(units, f"the leader's 待办 has no 需督办的单位: {w.body_text()[:400]}")
        first = units[0].text.strip()
        w.loads_page(units[0].click)
        w.expect_page("/supervision")
        check(first.split("（")[0] in d().find_element(By.TAG_NAME, "h1").text, f"「{first}」 opens {d().current_url}")
        return f"{len(units)} units listed, worst 「{first}」 opens its 整改督办"

    def discipline_inbox():
        # 纪检 records a lead received 40 days ago and not yet disposed of: past the 30-day period.
        w.login("jijian")
        d().get(w.base + "/ledgers/problem_lead/new")
        w.expect_page("/ledgers/problem_lead/new")
        form = d().find_element(By.CSS_SELECTOR, "form.form-grid")
        w.type_date("f_received_on", today() - datetime.timedelta(days=40), form)
        summary = f"反映某村干部优亲厚友{run}"
        w.type_into("f_summary", summary, form)
        w.press("保存", form)
        w.expect_page("/ledgers/problem_lead/")
        w.click_link("首页", within=d().find_element(By.CSS_SELECTOR, "nav.mainnav"))
        w.expect_page("/")
        links = [a for a in home_group("超过处置时限的") if a.text.strip() == summary]
        check(links, f"纪检's 待办 does not list the lead: {w.body_text()[:500]}")
        detail = links[0].find_element(By.XPATH, "following-sibling::span").text
        w.login("lingdao")
        check(summary not in w.body_text(), "the leader's home page shows a discipline lead")
        return f"纪检's 待办: 「{summary}」 {detail}; not on the leader's home page"

    def reviewer_sends_back():
        w.login("shenhe")
        w.find_hazard(words)
        check(w.workflow_state() == "申请销号", f"the reviewer sees 「{w.workflow_state()}」")
        form = w.form_of_button("退回")
        w.type_into("reason", "照片看不清积水是否排净，请补拍电缆沟全景", form)
        w.press("退回", form)
        w.expect_page(state["record_path"])
        check(w.workflow_state() == "整改中", f"after 退回 the state is 「{w.workflow_state()}」: {w.errors_box()}")
        return w.flash()

    def clerk_again():
        w.login("jingban")
        w.find_hazard(words)
        check(w.workflow_state() == "整改中", f"the clerk sees 「{w.workflow_state()}」 after the send-back")
        check("照片看不清积水是否排净" in w.body_text(), "the clerk does not see the reviewer's reason")
        return request_closure("已补拍电缆沟全景，积水已排净，灭火器已补齐")()

    def reviewer_approves():
        w.login("shenhe")
        w.find_hazard(words)
        form = w.form_of_button("批准销号")
        w.type_into("note", "现场照片清楚，同意销号", form)
        w.press("批准销号", form)
        w.expect_page(state["record_path"])
        check(w.workflow_state() == "已销号", f"after 批准销号 the state is 「{w.workflow_state()}」: {w.errors_box()}")
        w.screenshot("03-record-approved.png")
        return f"{w.flash()}; screenshot 03-record-approved.png"

    def history_complete():
        section = [s for s in d().find_elements(By.CSS_SELECTOR, "section.card") if s.find_elements(By.XPATH, "./h2[text()='修改记录']")]
        check(section, "the record page has no 修改记录 section")
        rows = [[c.text.strip() for c in r.find_elements(By.TAG_NAME, "td")] for r in section[0].find_elements(By.CSS_SELECTOR, "tbody tr")]
        shown = [" | ".join(r) for r in rows]
        actions = [r[2] if len(r) > 2 else "" for r in rows]
        text = "\n".join(shown)
        wanted = ["开始整改", "申请销号", "退回", "批准销号"]
        missing = [a for a in wanted if not any(a in x for x in actions)]
        check(not missing, f"the history lacks {missing}: {shown}")
        check(sum("申请销号" in a for a in actions) >= 2, f"the history shows fewer than two 申请销号: {actions}")
        check(any(("新增" in a or "创建" in a or "录入" in a) for a in actions), f"the history has no creation entry: {actions}")
        check("照片看不清积水是否排净" in text, "the history does not show the send-back reason")
        check(any("整改后现场照片.jpg" in x or "附件" in x or "上传" in x for x in shown), f"the history does not show the upload: {shown}")
        return f"{len(rows)} entries: " + " / ".join(f"{r[1]}:{r[2]}" for r in rows if len(r) > 2)

    def leader_report_after():
        w.login("lingdao")
        w.open_report(today().year)
        figures, text_figures = w.hazard_figures()
        before = state["before"]
        moved = {}
        for metric, (label, value) in figures.items():
            old = before.get(metric, (label, "0"))[1]
            moved[metric] = number(value) - number(old)
        check(moved.get("safety.hazards.found") == 1, f"查出隐患 moved by {moved.get('safety.hazards.found')}, not 1: before {before}, after {figures}")
        check(moved.get("safety.hazards.rectified") == 1, f"整改隐患 moved by {moved.get('safety.hazards.rectified')}, not 1: before {before}, after {figures}")
        # Figures of the text that stand for these metrics moved too.
        for metric, values in text_figures.items():
            old = state["before_text"].get(metric)
            if old and metric in moved:
                check([number(v) - number(o) for v, o in zip(values, old)] == [moved[metric]] * len(values),
                      f"the report text's {metric} went from {old} to {values}")
        shots = ["04-report.png"]
        w.clip_screenshot("04-report.png", 0, 1400)
        band = """const e = arguments[0].closest(arguments[1]) || arguments[0]; const b = e.getBoundingClientRect();
                  return [b.top + window.scrollY, b.height];"""
        fig = [a for a in d().find_elements(By.CSS_SELECTOR, ".report-sheet a.fig")
               if "（safety.hazards.found）" in (a.get_attribute("title") or "")]
        if fig:
            top, height = d().execute_script(band, fig[0], "p")
            w.clip_screenshot("04-report-hazards.png", top - 200, height + 400)
            shots.append("04-report-hazards.png")
        rows = [r for r in d().find_elements(By.CSS_SELECTOR, "table.metrics tbody tr") if "safety.hazards." in r.text]
        if rows:
            top, _ = d().execute_script(band, rows[0], "tr")
            last, height = d().execute_script(band, rows[-1], "tr")
            w.clip_screenshot("04-report-metrics.png", top - 120, last - top + height + 240)
            shots.append("04-report-metrics.png")
        return "; ".join(f"{figures[m][0]} {before[m][1]}→{figures[m][1]}" for m in figures) + "; screenshots " + ", ".join(shots)

    def on_report():
        """The leader's report of this year, opened again if the step before left another page."""
        if state.get("user") != "lingdao" or not urlparse(d().current_url).path == "/reports":
            w.login("lingdao")
            w.open_report(today().year)

    def report_drill_down():
        on_report()
        links = [a for a in d().find_elements(By.CSS_SELECTOR, ".report-sheet a.fig")
                 if "（safety.hazards.found）" in (a.get_attribute("title") or "")]
        where = "the report text"
        if not links:   # the template may not print it: the metric table's link then
            row = [r for r in d().find_elements(By.CSS_SELECTOR, "table.metrics tbody tr") if "safety.hazards.found" in r.text]
            check(row, "no 查出隐患 figure to click")
            links = row[0].find_elements(By.TAG_NAME, "a")
            where = "the metric table"
        w.loads_page(links[0].click)
        w.expect_page("/reports/drill")
        table = d().find_element(By.CSS_SELECTOR, "table.records")
        rows = [r for r in table.find_elements(By.CSS_SELECTOR, "tbody tr") if words in r.text]
        check(rows, f"the drill-down does not list the new hazard on its first page: {table.text[:300]}")
        heading = d().find_element(By.TAG_NAME, "h1").text
        w.loads_page(lambda: d().back())
        return f"clicked in {where}: 「{heading}」 lists the record"

    def report_word():
        on_report()
        before = set(os.listdir(w.downloads))
        link = [a for a in d().find_elements(By.CSS_SELECTOR, ".titlebar a.button") if a.text.strip() == "下载Word"]
        check(link, "no 下载Word button")
        link[0].click()
        path = w.wait_download(before, ".docx")
        import docx
        document = docx.Document(path)
        paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
        check(len(paragraphs) > 5, f"the Word file has {len(paragraphs)} paragraphs")
        text = "\n".join(paragraphs) + "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
        check("述职" in text or "报告" in text, f"the Word file has no 述职报告 heading: {paragraphs[:3]}")
        check("隐患" in text, "the Word file says nothing about 隐患")
        shutil.copy(path, os.path.join(w.out, "report.docx"))
        return f"{os.path.basename(path)}, {os.path.getsize(path) // 1024} KB, {len(paragraphs)} paragraphs, first: 「{paragraphs[0][:40]}」"

    def import_dry_run():
        w.login("jingban")
        w.open_hazard_ledger()
        w.click_link("导入")
        w.expect_page(f"/ledgers/{HAZARD}/import")
        chips = [li.text.strip() for li in d().find_elements(By.CSS_SELECTOR, "ul.chips li")]
        check(chips, "the import page lists no columns")
        names = [c.rstrip(" *").split(" / ")[0].strip() for c in chips]
        required = [c.rstrip(" *").split(" / ")[0].strip() for c in chips if c.endswith("*")]
        sample = hazard_row(random.Random(1), 1, "", today())

        def key(header):    # 整改资金（万元） is filled from 整改资金
            return header if header in sample else next((k for k in sample if header.startswith(k)), None)
        unknown = [n for n in required if key(n) is None]
        check(not unknown, f"the page asks for required columns the walk cannot fill: {unknown} (columns: {chips})")
        columns = [("序号", "序号")] + [(n, key(n)) for n in names if key(n)] + [("备注", "备注")]
        headers = [h for h, _ in columns]
        marker = f"导入{run}"
        good, bad, rows, bad_row, size = make_import_files(w.work, columns, marker, today())
        state.update(import_good=good, import_rows=rows, import_marker=marker)
        form = d().find_element(By.CSS_SELECTOR, f"form[action='/ledgers/{HAZARD}/import']")
        w.field("file", form).send_keys(bad)
        w.press("试导入（只检查，不保存）", form)
        w.wait(180).until(lambda dr: dr.find_elements(By.CSS_SELECTOR, "div.errors") or dr.find_elements(By.CSS_SELECTOR, "section.error-page")
                          or (dr.find_elements(By.CSS_SELECTOR, "form[action$='/import']") and "试导入结果" in w.body_text()))
        w.expect_page(f"/ledgers/{HAZARD}/import")
        errors = w.errors_box()
        check(errors, f"the dry run of a file with a bad date shows no error: {w.body_text()[:300]}")
        check(f"第{bad_row}行" in errors, f"the dry run's error does not name row {bad_row}: {errors[:300]}")
        check("排查时间" in errors, f"the dry run's error does not name 排查时间: {errors[:300]}")
        return f"{size // 1024} KB, {rows} rows, columns {headers}; error: {errors[:160]}"

    def import_commit():
        # A dry run of the fixed file: its preview fits the window, then 确认导入 without choosing the file again.
        form = d().find_element(By.CSS_SELECTOR, f"form[action='/ledgers/{HAZARD}/import']")
        w.field("file", form).send_keys(state["import_good"])
        w.press("试导入（只检查，不保存）", form)
        w.wait(180).until(lambda dr: [b for b in dr.find_elements(By.TAG_NAME, "button") if b.text.startswith("确认导入")]
                          or dr.find_elements(By.CSS_SELECTOR, "div.errors") or dr.find_elements(By.CSS_SELECTOR, "section.error-page"))
        w.expect_page(f"/ledgers/{HAZARD}/import")
        check(not w.errors_box(), f"the fixed file's dry run shows errors: {w.errors_box()[:300]}")
        page_width = d().execute_script("return document.documentElement.scrollWidth")
        window = d().execute_script("return window.innerWidth")
        w.screenshot("08-import-preview.png")
        check(page_width <= window, f"the import preview is {page_width} px wide in a {window} px window")
        confirm = [b for b in d().find_elements(By.TAG_NAME, "button") if b.text.startswith("确认导入")][0]
        w.loads_page(confirm.click)
        w.wait(300).until(lambda dr: dr.find_elements(By.CSS_SELECTOR, "div.flash-ok") or dr.find_elements(By.CSS_SELECTOR, "div.errors")
                          or dr.find_elements(By.CSS_SELECTOR, "section.error-page"))
        w.expect_page(f"/ledgers/{HAZARD}/import")
        check(not w.errors_box(), f"the fixed file did not import: {w.errors_box()[:300]}")
        text = w.flash()
        check(f"已导入{state['import_rows']}条记录" in text, f"expected 已导入{state['import_rows']}条记录, the page says 「{text}」")
        return text

    def import_again():
        # The same sheet sent again: matched record by record, nothing added; every column accounted for.
        w.open_hazard_ledger()
        w.click_link("导入")
        w.expect_page(f"/ledgers/{HAZARD}/import")
        form = d().find_element(By.CSS_SELECTOR, f"form[action='/ledgers/{HAZARD}/import']")
        w.field("file", form).send_keys(state["import_good"])
        w.press("试导入（只检查，不保存）", form)
        # The job's page refreshes itself while the file is read: wait for the result itself,
        # not for a heading the running page shows too.
        WebDriverWait(d(), 180, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda dr: dr.find_elements(By.CSS_SELECTOR, "p.match-counts") or dr.find_elements(By.CSS_SELECTOR, "div.errors")
            or dr.find_elements(By.CSS_SELECTOR, "section.error-page"))
        w.expect_page(f"/ledgers/{HAZARD}/import")
        check(not w.errors_box(), f"the same file's dry run shows errors: {w.errors_box()[:300]}")
        counts = d().find_elements(By.CSS_SELECTOR, "p.match-counts")
        check(counts, f"the dry run does not compare with the records already imported: {w.body_text()[:400]}")
        text = counts[0].text
        check("新增0条" in text and f"无变化{state['import_rows']}条" in text, f"the same file again is not 0 new, {state['import_rows']} unchanged: 「{text}」")
        check(not [b for b in d().find_elements(By.TAG_NAME, "button") if b.text.startswith("确认导入")]
              and "无需导入" in w.body_text(), "the same file again still offers to import (nothing to add)")
        # Open when a column is not imported; opened here either way, as a user would.
        d().execute_script("arguments[0].open = true", d().find_element(By.CSS_SELECTOR, "details.sheet-columns"))
        rows = [r.text for r in d().find_elements(By.CSS_SELECTOR, "details.sheet-columns tbody tr")]
        check(any("序号" in r and "未导入" in r for r in rows), f"the column list does not say 序号 is not imported: {rows}")
        w.screenshot("09-import-again.png")
        return text

    def export_list():
        w.click_link("查看台账")
        w.expect_page(f"/ledgers/{HAZARD}")
        form = d().find_element(By.CSS_SELECTOR, "form.filters")
        w.type_into("q", state["import_marker"], form)
        w.press("查询", form)
        w.expect_page(f"/ledgers/{HAZARD}")
        count = re.search(r"符合条件(\d+)条", w.body_text())
        check(count and int(count.group(1)) == state["import_rows"],
              f"the list finds {count.group(1) if count else '?'} imported hazards, not {state['import_rows']}")
        before = set(os.listdir(w.downloads))
        links = [a for a in d().find_elements(By.CSS_SELECTOR, ".titlebar a.button") if a.text.strip() == "导出Excel"]
        check(links, "no 导出Excel button")
        links[0].click()
        path = w.wait_download(before, ".xlsx")
        from openpyxl import load_workbook
        wb = load_workbook(path, read_only=True)
        ws = wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        hits = [r for r in rows if any(isinstance(v, str) and state["import_marker"] in v for v in r)]
        check(len(hits) == state["import_rows"], f"the export has {len(hits)} imported rows, not {state['import_rows']} (of {len(rows)} rows)")
        return f"{os.path.basename(path)}: {len(rows)} rows with the header, {len(hits)} imported; header {list(rows[0])[:6]}…"

    def forged_form_refused():
        """A form whose _csrf token is not the session's (a page from another site, or a stale
        copy) is refused, even as a ~900 KB multipart body, and saves nothing."""
        check(state.get("user") == "jingban", "the clerk is not logged in")
        forged = f"伪造令牌{run}"
        w.open_hazard_ledger()
        w.click_link("新增记录")
        w.expect_page(f"/ledgers/{HAZARD}/new")
        form = d().find_element(By.CSS_SELECTOR, "form.form-grid")
        w.type_into("f_description", forged + "：不应保存", form)
        w.choose("f_level", "一般隐患", form)
        w.type_date("f_deadline", today() + datetime.timedelta(days=10), form)
        photo = os.path.join(w.work, "整改后现场照片.jpg")
        if not os.path.exists(photo):
            make_photo(photo)
        w.field("f_evidence[]", form).send_keys(photo)
        d().execute_script("arguments[0].value = 'x' + arguments[0].value.slice(1).split('').reverse().join('')",
                           w.field("_csrf", form))
        w.press("保存", form)
        w.wait().until(lambda dr: dr.execute_script("return document.readyState") == "complete")
        status = w.document_status()
        page = w.error_page()
        check(page and status == 403, f"a form with a wrong _csrf was not refused with 403 (HTTP {status}): {page or w.body_text()[:200]}")
        check("CSRF" in page, f"the 403 page does not say why: {page}")
        d().back()
        w.wait().until(lambda dr: dr.execute_script("return document.readyState") == "complete")
        w.open_hazard_ledger()
        listed = w.driver.find_element(By.CSS_SELECTOR, "form.filters")
        w.type_into("q", forged, listed)
        w.press("查询", listed)
        w.expect_page(f"/ledgers/{HAZARD}")
        check("符合条件0条" in w.body_text(), f"a record was saved from the forged form: {w.body_text()[:300]}")
        return f"HTTP {status}: {page}"

    def other_town_record():
        w.login("jingban_t02")
        w.open_hazard_ledger()
        table = d().find_element(By.CSS_SELECTOR, "table.records")
        links = [a for a in table.find_elements(By.CSS_SELECTOR, "tbody a")
                 if re.match(rf"/ledgers/{HAZARD}/\d+$", urlparse(a.get_attribute("href")).path)]
        check(links, f"西河镇's clerk sees no hazard in the list: {table.text[:200]}")
        w.loads_page(links[0].click)
        w.expect_page(f"/ledgers/{HAZARD}/")
        unit = d().find_element(By.CSS_SELECTOR, "dl.facts dd").text
        state["t02_record"] = urlparse(d().current_url).path
        return f"{state['t02_record']} of {unit}"

    def town_clerk_gets_404():
        w.login("jingban_t01")
        w.open_hazard_ledger()        # her own ledger works…
        d().get(w.base + state["t02_record"])     # …then the other town's record, by its address
        w.wait().until(lambda dr: dr.execute_script("return document.readyState") == "complete")
        status = w.document_status()
        page = w.error_page()
        check(page, f"西河镇's record opened for 东城街道's clerk (HTTP {status}): {w.body_text()[:200]}")
        check("页面不存在" in page, f"not the 404 page: {page}")
        check(status == 404, f"the 404 page came with HTTP {status}")
        reference = re.search(r"参考编号：\s*([0-9a-z]+)", page)
        check(reference, f"the 404 page shows no 参考编号: {page}")
        state["reference"] = reference.group(1)
        w.screenshot("05-not-found.png")
        return f"HTTP {status}: {page}; screenshot 05-not-found.png"

    def reference_in_log():
        with open(w.server_log, encoding="utf-8", errors="replace") as f:
            log = f.read()
        lines = [line for line in log.splitlines() if state["reference"] in line]
        check(lines, f"the 参考编号 {state['reference']} of the 404 page is not in the server log {w.server_log}")
        entry = " ".join(lines)
        check(state["t02_record"] in entry, f"the log entry of {state['reference']} has no request line: {entry}")
        check("jingban_t01" in entry, f"the log entry of {state['reference']} does not name the user: {entry}")
        return entry[:200]

    def assessor_opens():
        w.login("kaohe")
        w.click_link("考核")
        w.expect_page("/assessments")
        form = w.form_of_button("开展考核")
        year = state["today"].year if "today" in state else datetime.date.today().year
        w.choose("year", f"{year}年度", form)
        titles = [o.text for o in Select(w.field("rules", form)).options]
        safety = [t for t in titles if "安全生产" in t]
        check(safety, f"no 安全生产 考评细则 to choose: {titles}")
        w.choose("rules", safety[0], form)
        w.press("开展考核", form)
        w.expect_page("/assessments/")
        check("已开展考核" in w.flash(), f"the assessment did not open: {w.flash() or w.body_text()[:200]}")
        state["assessment"] = urlparse(d().current_url).path
        heading = d().find_element(By.TAG_NAME, "h1").text
        check(str(year) in heading, f"the assessment is not of {year}: {heading}")
        return f"{state['assessment']}: {heading}; {w.flash()}"

    def town_self_assesses():
        w.login("jingban_t01")
        links = [a for a in home_group("考核") if "未自评" in a.text]
        check(links, "the 待办 of 东城街道's clerk does not ask for the self-assessment")
        w.loads_page(links[0].click)
        w.expect_page(state["assessment"] + "/units/DEMO-T01")
        form = d().find_element(By.ID, "self-lead.list")
        w.type_into("score", "14", form)
        w.type_into("note", "已逐级签订安全生产责任书，班子成员责任清单已印发", form)
        minutes = os.path.join(w.work, "安全生产责任书.pdf")
        with open(minutes, "wb") as f:
            f.write(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
                    b"trailer << /Root 1 0 R >>\n%%EOF\n")
        w.field("files[]", form).send_keys(minutes)
        w.press("保存自评", form)
        w.expect_page(state["assessment"] + "/units/DEMO-T01")
        check("已保存" in w.flash(), f"the self-assessment was not saved: {w.errors_box() or w.flash()}")
        row = d().find_element(By.ID, "line-lead.list").text
        check("自评14分" in row and "安全生产责任书.pdf" in row, f"the sheet does not show the self-assessment and its file: {row}")
        w.screenshot("08-self-assessment.png")
        return f"{w.flash()}; the line reads 「{' '.join(row.split())[:120]}」; screenshot 08-self-assessment.png"

    def leader_reads_ranking():
        w.login("lingdao")
        w.click_link("考核")
        year = (state["today"].year if "today" in state else datetime.date.today().year) - 1
        links = [a for a in d().find_elements(By.CSS_SELECTOR, "table.data tbody a")
                 if f"{year}年度" in a.text and "安全生产" in a.text]
        check(links, f"no {year} safety assessment in the list: {w.body_text()[:300]}")
        w.loads_page(links[0].click)
        rows = d().find_elements(By.XPATH, "//h2[text()='排名']/following-sibling::table[1]/tbody/tr")
        check(len(rows) == 15, f"the ranking lists {len(rows)} towns, not 15")
        check("已定档" in w.body_text(), "the demo's assessment is not shown as frozen")
        w.screenshot("09-ranking.png")
        first = rows[0].text
        w.loads_page(rows[0].find_element(By.TAG_NAME, "a").click)
        w.expect_page("/assessments/")
        drill = [a for a in d().find_elements(By.CSS_SELECTOR, "table.data a") if "/reports/drill" in (a.get_attribute("href") or "")]
        check(drill, "the score sheet links no computed line to its records")
        w.loads_page(drill[0].click)
        w.expect_page("/reports/drill")
        heading = d().find_element(By.TAG_NAME, "h1").text
        return f"first: 「{' '.join(first.split())}」; a line's records: 「{heading}」; screenshot 09-ranking.png"

    def console_clean():
        # The pages that answer 4xx on purpose log "Failed to load resource" for themselves.
        expected = {
            "clerk: new hazard without 隐患描述 is refused, input kept": "status of 422",
            "东城街道 clerk: 404 for 西河镇's record": "status of 404",
            "clerk: import dry run shows the bad row": "status of 422",   # the dry run's result with an error
            "clerk: a form with a forged _csrf is refused (900 KB multipart)": "status of 403",
        }
        unexpected = [f"{step}: {level} {message}" for step, level, message in w.console
                      if not (step in expected and "Failed to load resource" in message and expected[step] in message)]
        check(not unexpected, "the browser console has errors or warnings: " + " || ".join(unexpected)[:1500])
        return f"{len(w.console)} entries, all for the pages that answer 422, 403 or 404 on purpose"

    w.step("login page", login_page)
    w.step("leader: report figures before", leader_report_before, needs=["login page"])
    w.step("clerk logs in", clerk_login, needs=["login page"])
    w.step("clerk: new hazard without 隐患描述 is refused, input kept", hazard_form_keeps_input, needs=["clerk logs in"])
    w.step("clerk: hazard saved", hazard_save, needs=["clerk: new hazard without 隐患描述 is refused, input kept"])
    w.step("clerk: hazard list", hazard_list_screenshot, needs=["clerk: hazard saved"])
    w.step("clerk: 开始整改", start_rectification, needs=["clerk: hazard saved"])
    w.step("clerk: 900 KB photo as 佐证材料", upload_evidence, needs=["clerk: 开始整改"])
    w.step("clerk: 申请销号", request_closure("电缆沟积水已排净，灭火器已补齐"), needs=["clerk: 900 KB photo as 佐证材料"])
    w.step("reviewer: the request waits in 待办", reviewer_inbox, needs=["clerk: 申请销号"])
    w.step("reviewer: 退回 with a reason", reviewer_sends_back, needs=["clerk: 申请销号"])
    w.step("clerk: 被退回 in 待办, the reason in the panel", clerk_inbox, needs=["reviewer: 退回 with a reason"])
    w.step("clerk: 申请销号 again", clerk_again, needs=["reviewer: 退回 with a reason"])
    w.step("reviewer: 批准销号", reviewer_approves, needs=["clerk: 申请销号 again"])
    w.step("record history shows every step", history_complete, needs=["reviewer: 批准销号"])
    w.step("leader: hazard figures moved by one", leader_report_after, needs=["leader: report figures before", "reviewer: 批准销号"])
    w.step("leader: drill-down lists the record", report_drill_down, needs=["leader: hazard figures moved by one"])
    w.step("leader: Word file opens with python-docx", report_word, needs=["leader: report figures before"])
    w.step("clerk: import dry run shows the bad row", import_dry_run, needs=["clerk logs in"])
    w.step("clerk: fixed file imports", import_commit, needs=["clerk: import dry run shows the bad row"])
    w.step("clerk: export opens with openpyxl", export_list, needs=["clerk: fixed file imports"])
    w.step("clerk: the same file again: 0 new, every row unchanged", import_again, needs=["clerk: fixed file imports"])
    w.step("clerk: a form with a forged _csrf is refused (900 KB multipart)", forged_form_refused, needs=["clerk logs in"])
    w.step("leader: 整改督办 by unit, drill-down, 催办", leader_supervision, needs=["login page"])
    w.step("reminders: the clerk's 预警提醒 and the leader's 逾期督办 in 消息", reminders_reach_people, needs=["login page"])
    w.step("leader: 需督办的单位 in 待办", leader_inbox, needs=["login page"])
    w.step("纪检: a lead past its disposal period in 待办", discipline_inbox, needs=["login page"])
    w.step("西河镇 clerk: a record of her town", other_town_record, needs=["login page"])
    w.step("东城街道 clerk: 404 for 西河镇's record", town_clerk_gets_404, needs=["西河镇 clerk: a record of her town"])
    if w.server_log:
        w.step("the 404's 参考编号 is in the server log", reference_in_log, needs=["东城街道 clerk: 404 for 西河镇's record"])
    w.step("考核组: opens this year's safety assessment", assessor_opens, needs=["login page"])
    w.step("东城街道 clerk: self-assesses from 待办 with a PDF", town_self_assesses, needs=["考核组: opens this year's safety assessment"])
    w.step("leader: last year's ranking, a sheet, its records", leader_reads_ranking, needs=["login page"])
    w.step("browser console: no CSP violation or script error", console_clean)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--out", required=True, help="folder for screenshots, failed pages and downloads")
    parser.add_argument("--server-log", help="the server's log, named on failure")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    # Chromium takes its language from the environment on Linux, not from --lang.
    os.environ.setdefault("LANGUAGE", "zh_CN:zh")
    w = Walk(args.base, os.path.abspath(args.out))
    w.server_log = args.server_log
    w.log(f"browser walk against {w.base}, artifacts in {w.out}")
    try:
        w.start_browser()
        w.log(f"Chromium {w.driver.capabilities.get('browserVersion')}, chromedriver "
              f"{w.driver.capabilities.get('chrome', {}).get('chromedriverVersion', '?').split(' ')[0]}")
        steps(w)
    except Exception as e:  # the browser did not start, or a bug in the walk itself
        w.results.append(("walk", "failed", 0.0, f"{type(e).__name__}: {e}"))
        w.log(f"FAIL walk: {type(e).__name__}: {e}")
        traceback.print_exc()
    finally:
        w.quit()
    passed = sum(1 for r in w.results if r[1] == "passed")
    failed = sum(1 for r in w.results if r[1] == "failed")
    skipped = sum(1 for r in w.results if r[1] == "skipped")
    w.log(f"done in {time.monotonic() - w.started:.0f}s; screenshots in {w.out}")
    for name, status, seconds, message in w.results:
        if status != "passed":
            print(f"  {status.upper()}: {name}: {message}", flush=True)
    if failed or skipped:
        print(f"browser walk FAILED: screenshots and page sources (FAILED-*.png, FAILED-*.html) in {w.out}"
              + (f", the server's log in {args.server_log}" if args.server_log else ""), flush=True)
    print(f"{passed} passed, {failed + skipped} failed", flush=True)
    sys.exit(0 if failed == 0 and skipped == 0 else 1)


if __name__ == "__main__":
    main()
