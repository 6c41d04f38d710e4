// Browser smoke test of the shequ pages, run by `cargo test -p shequ --test
// browser` against the real binary. Drives Debian's Chromium through
// playwright-core through harness.mjs. Exits non-zero on the first failed
// check; screenshots go to tests/browser/screenshots/ (git-ignored), with
// FAILED-*.png of every open page when a check fails.
//
// Env: BASE_URL, SHEQU_USER, SHEQU_PASSWORD, OTHER_PERSON_ID (a resident
// outside SHEQU_USER's area), REGION_CODE (a region inside it, with a map);
// optionally ADMIN_USER (same password) and STREET_CODE for the admin pages,
// and WORKER_USER (the grid worker of grid A1) for the work-order flow.

import { check, DESKTOP, env, fillLogin, PHONE, start } from './harness.mjs';

const h = await start({ screenshots: 'screenshots' });
const { base: BASE, newPage, shot } = h;
const USER = env('SHEQU_USER');
const PASSWORD = env('SHEQU_PASSWORD');
const OTHER = env('OTHER_PERSON_ID');
const REGION = env('REGION_CODE');

async function login(page) {
  await page.goto(`${BASE}/people`);
  check(new URL(page.url()).pathname === '/login', 'an anonymous visit lands on the login form');
  check(new URL(page.url()).searchParams.get('next') === '/people', 'and remembers where it was going');
  await fillLogin(page, USER, PASSWORD);
  await page.waitForURL(`${BASE}/people`);
}

await h.run(async () => {
  // --- Desktop, Chinese ---
  const page = await newPage(DESKTOP);
  await page.goto(`${BASE}/login`);
  await page.keyboard.press('Tab');
  await shot(page, '01-login');

  // A wrong password: the form again, with a message that names neither part.
  await page.getByLabel('用户名').fill(USER);
  await page.getByLabel('密码').fill('not-the-password');
  const failed = page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST');
  await page.getByRole('button', { name: '登录' }).click();
  check((await failed).status() === 401, 'a wrong password answers 401');
  check(await page.getByRole('alert').innerText() === '用户名或密码错误。', 'with the translated message');
  await shot(page, '02-login-failed');

  await login(page);
  check(await page.locator('h1').innerText() === '人口', 'the people list after login');
  const rows = page.locator('table tbody tr');
  check(await rows.count() > 0, 'residents are listed');
  const text = await page.locator('main').innerText();
  check(!/\b1\d{10}\b/.test(text), 'no full mobile number on the list');
  check(!/\b\d{17}[\dX]\b/.test(text), 'no full identity number on the list');
  check(/\d{3}\*{11}[\dX]{4}/.test(text) && /1\d{2}\*{4}\d{4}/.test(text), 'masked numbers are shown');
  await shot(page, '03-people');

  // Keyboard: the skip link comes first and takes focus to the content.
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement?.className) === 'skip', 'the skip link is the first stop');
  await shot(page, '04-people-focus');

  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '首页' }).click();
  check(await page.locator('h1').innerText() === '首页', 'navigation to the home page');
  await shot(page, '05-home');

  await page.goto(`${BASE}/regions/${REGION}`);
  check(await page.locator('svg.outline path.child').count() > 0, 'the region outline shows its children');
  await shot(page, '06-region');
  await page.goto(`${BASE}/regions`);
  await shot(page, '07-region-tree');

  // A person page and the logged reveal.
  await page.goto(`${BASE}/people`);
  await rows.first().locator('a').first().click();
  check(await page.getByRole('button', { name: '显示完整号码' }).isVisible(), 'the reveal form is offered');
  await shot(page, '08-person');
  await page.getByLabel('查看原因（必填）').fill('上门走访前电话联系');
  await page.getByRole('button', { name: '显示完整号码' }).click();
  check(/已记入查阅日志/.test(await page.getByRole('status').innerText()), 'the reveal says it was logged');
  check(/\b1\d{10}\b/.test(await page.locator('dl.facts').innerText()), 'the full phone is shown once');
  await shot(page, '09-person-revealed');

  // Another neighbourhood's resident, by editing the URL.
  const refused = await page.goto(`${BASE}/people/${OTHER}`);
  check(refused.status() === 403, 'a resident of another neighbourhood answers 403');
  check(await page.locator('h1').innerText() === '无权访问', 'with the refusal page');
  check(/访问已记录/.test(await page.getByRole('alert').innerText()), 'which says the attempt was logged');
  await shot(page, '10-forbidden');

  // Switch language: labels turn English and stay so.
  await page.getByRole('link', { name: 'English' }).click();
  check(await page.locator('h1').innerText() === 'Access refused', 'the refusal page in English');
  check(await page.locator('html').getAttribute('lang') === 'en', 'html lang follows');
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'People' }).click();
  check(await page.locator('h1').innerText() === 'People', 'the people list in English');
  check(await page.locator('th').first().innerText() === 'Name', 'column labels in English');
  await shot(page, '11-people-en');
  await page.getByRole('link', { name: '中文' }).click();
  check(await page.locator('h1').innerText() === '人口', 'and back to Chinese');

  // --- Phone-sized ---
  const phone = await newPage(PHONE);
  await phone.goto(`${BASE}/login`);
  await shot(phone, '12-phone-login');
  await login(phone);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `the people list fits 360 px (overflow ${overflow} px)`);
  await shot(phone, '13-phone-people');
  await phone.goto(`${BASE}/`);
  await shot(phone, '14-phone-home');
  await phone.goto(`${BASE}/regions/${REGION}`);
  const overflow2 = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow2 <= 0, `the region page fits 360 px (overflow ${overflow2} px)`);
  await shot(phone, '15-phone-region');

  // --- An administrator: accounts, the access log with the entries above, the street ---
  if (process.env.ADMIN_USER) {
    const admin = await newPage(DESKTOP);
    await admin.goto(`${BASE}/login`);
    await fillLogin(admin, process.env.ADMIN_USER, PASSWORD);
    await admin.getByRole('link', { name: '查阅日志' }).click();
    const log = await admin.locator('main').innerText();
    check(/查看完整号码/.test(log) && /越权访问被拒绝/.test(log), 'the access log lists the reveal and the refusal');
    await shot(admin, '16-admin-access-log');
    await admin.getByRole('link', { name: '账号' }).click();
    await shot(admin, '17-admin-users');
    await admin.goto(`${BASE}/regions/${process.env.STREET_CODE || REGION}`);
    await shot(admin, '18-admin-street');
    await admin.goto(`${BASE}/places`);
    await shot(admin, '19-admin-places');
  }

  // --- A resident reports a problem on a phone; the grid worker, with the
  // phone page open, gets a pop-up, accepts, resolves; the resident rates ---
  if (process.env.WORKER_USER) {
    const worker = await newPage(PHONE);
    await worker.goto(`${BASE}/login?next=/my`);
    const feed = worker.waitForResponse((r) => r.url().endsWith('/api/v1/events'));
    await fillLogin(worker, process.env.WORKER_USER, PASSWORD);
    await worker.waitForURL(`${BASE}/my`);
    check((await feed).status() === 200, 'the phone page listens to the live feed');

    const resident = await newPage(PHONE);
    await resident.goto(`${BASE}/report`);
    check(await resident.locator('h1').innerText() === '我要反映问题', 'the public report form opens without login');
    await shot(resident, '20-phone-report');
    await resident.getByLabel('问题类别').selectOption('sanitation');
    await resident.getByLabel('问题描述').fill('1号楼楼道堆满杂物，影响通行');
    // Grid A1 is the north-west quarter of the test street.
    const map = await resident.locator('svg.pick-map').boundingBox();
    await resident.mouse.click(map.x + map.width * 0.25, map.y + map.height * 0.25);
    check(await resident.inputValue('input[name="lon"]') !== '', 'a click on the map sets the point');
    await resident.getByLabel('手机或电话').fill('13912340000');
    const fits = await resident.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(fits <= 0, `the report form fits 360 px (overflow ${fits} px)`);
    await shot(resident, '21-phone-report-filled');
    await resident.getByRole('button', { name: '提交' }).click();
    await resident.locator('h1', { hasText: '已收到您的反映' }).waitFor();
    const done = await resident.locator('main').innerText();
    const number = (done.match(/工单号 (\d+)/) || [])[1];
    check(Boolean(number), `the confirmation names the order (${number})`);
    const link = await resident.locator('.link-box a').getAttribute('href');
    check(/^\/r\/shequ_r_/.test(link), 'and gives the private link');
    await shot(resident, '22-phone-report-done');

    const popup = worker.locator('.popup');
    await popup.waitFor();
    check(/新工单/.test(await popup.innerText()) && /1号楼楼道堆满杂物/.test(await popup.innerText()),
      'the grid worker\'s open page pops the new order up');
    check(await popup.locator('a').getAttribute('href') === `/orders/${number}`, 'with a link to it');
    await shot(worker, '23-phone-popup');
    await worker.getByRole('button', { name: '提示音：开' }).click();
    check(await worker.evaluate(() => localStorage.getItem('shequ-mute')) === '1', 'the sound can be muted');
    await popup.getByRole('button', { name: '关闭' }).click();
    check(await worker.locator('.popup').count() === 0, 'and the pop-up dismissed');

    await worker.reload();
    const card = worker.locator('li.order-card', { hasText: '1号楼楼道堆满杂物' });
    check(await card.count() === 1, 'the order is on the grid worker\'s phone page');
    await shot(worker, '24-phone-my');
    await card.getByRole('button', { name: '受理' }).click();
    await card.getByText('已受理').waitFor();
    check(await card.getByRole('button', { name: '受理' }).count() === 0, 'accepted with one tap');
    await card.locator('a.card-link').click();
    await worker.waitForURL(`${BASE}/orders/${number}`);
    check(/记录链校验通过/.test(await worker.locator('main').innerText()), 'the order page verifies the trail');
    await worker.getByLabel('办理结果（必填）').fill('已清理，楼道畅通');
    await worker.locator('form[data-action="resolve"] button[type="submit"]').click();
    await worker.waitForURL(`${BASE}/orders/${number}?done=resolve`);
    check(/已办结/.test(await worker.locator('.order-head').innerText()), 'resolved from the phone');
    const fits2 = await worker.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(fits2 <= 0, `the order page fits 360 px (overflow ${fits2} px)`);
    await shot(worker, '25-phone-order');

    await resident.goto(`${BASE}${link}`);
    check(/已清理，楼道畅通/.test(await resident.locator('main').innerText()), 'the resident sees the result');
    await resident.getByLabel('满意', { exact: true }).check();
    await resident.getByRole('button', { name: '提交评价' }).click();
    await resident.waitForURL(/rated=1/);
    check(/感谢您的评价/.test(await resident.locator('main').innerText()), 'and rates it');
    await shot(resident, '26-phone-rated');

    const desk = await newPage(DESKTOP);
    await h.loginAs(desk, process.env.ADMIN_USER || USER, `/orders/${number}`, PASSWORD);
    check(/已关闭/.test(await desk.locator('.order-head').innerText()), 'the order page shows it closed');
    check(await desk.locator('ol.timeline li').count() >= 5, 'with the whole trail');
    await shot(desk, '27-order');
    await desk.goto(`${BASE}/orders`);
    await shot(desk, '28-orders');
  }
});
