// The party pages in Chromium: a neighbourhood secretary records a
// double-registered member's service (a wrong number of hours refused with
// its reason first), then records a joint meeting's session whose decision
// becomes a work order; the grid worker, on a phone, opens it from the
// link back, accepts, starts and resolves it; and the meeting page the
// secretary left open shows the decision done without a reload.
//
// Env: BASE_URL, SHEQU_PASSWORD, SECRETARY_USER, WORKER_USER, MEETING_ID,
// WORKER_NAME, MEMBER_NAME, BUILDING_NAME; SCREENSHOT_DIR (default screenshots/).

import { PHONE, check, env, settle, start } from './harness.mjs';

const { base: BASE, newPage, shot, loginAs, run } = await start();

/// Pixels the page is wider than its screen (0 when it fits).
const overflow = (page) =>
  page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

await run(async () => {
  // ---- 双报到: the secretary records a service -------------------------
  const sec = await newPage();
  await loginAs(sec, env('SECRETARY_USER'), '/party/registrations');
  const member = env('MEMBER_NAME');
  const row = () => sec.locator('tbody tr', { hasText: member });
  check(await row().count() === 1, 'the registered member is listed');
  const record = sec.locator('form[action="/party/registrations/record"]');
  await record.getByLabel('报到人').selectOption({ label: member });
  await record.getByLabel('时长（小时）').fill('30');
  await record.getByLabel('服务内容').fill('夜间安全巡逻');
  await record.locator('button[type="submit"]').click();
  await sec.locator('.notice-error').waitFor();
  check(/服务时长应大于0/.test(await sec.locator('.notice-error').innerText()),
    '30 hours is refused with the reason');
  await sec.goto(`${BASE}/party/registrations`);
  await record.getByLabel('报到人').selectOption({ label: member });
  await record.getByLabel('时长（小时）').fill('2.5');
  await record.getByLabel('服务内容').fill('夜间安全巡逻');
  await record.locator('button[type="submit"]').click();
  await sec.waitForURL(`${BASE}/party/registrations`);
  check(/2\.5/.test(await row().innerText()), 'the member\'s hours this year show 2.5');
  await shot(sec, 'party-registrations');

  // ---- 联席会议: a session whose decision becomes an order -----------------
  const meeting = `${BASE}/party/meetings/${env('MEETING_ID')}`;
  await sec.goto(meeting);
  const form = sec.locator(`form[action="/party/meetings/${env('MEETING_ID')}/sessions"]`);
  check(await form.isVisible(), 'the session form is open on a meeting with no session yet');
  await form.getByLabel('会议地点').fill('居委会会议室');
  await form.getByLabel('到会人数').fill('9');
  const boxes = form.locator('input[name="attended"]');
  for (let i = 0; i < await boxes.count(); i++) await boxes.nth(i).check();
  await form.getByLabel('议题').fill('A1号楼单元门禁损坏');
  await form.getByLabel('会议纪要').fill('物业、居委会到会。议定由网格员牵头，一周内修复。');
  await form.getByLabel('决定事项 1').fill('修复A1号楼单元门禁');
  await form.getByLabel('工单类别').first().selectOption('meeting_decision');
  await form.getByLabel('涉及地点').first().selectOption({ label: env('BUILDING_NAME') });
  await form.locator('button[type="submit"]').click();
  await sec.waitForURL((u) => u.pathname.endsWith(`/party/meetings/${env('MEETING_ID')}`));
  const decision = sec.locator('#progress tbody tr', { hasText: '修复A1号楼单元门禁' });
  check(await decision.count() === 1, 'the decision is listed with the meeting\'s progress');
  check(await decision.locator('[data-stage="open"]').count() === 1, 'under way');
  const orderLink = decision.locator('a[href^="/orders/"]');
  const orderPath = await orderLink.getAttribute('href');
  check(/^\/orders\/\d+$/.test(orderPath), `it became work order ${orderPath}`);
  check((await decision.innerText()).includes(env('WORKER_NAME')),
    'owned by the building\'s grid worker');
  await shot(sec, 'party-meeting-filed');

  // ---- The grid worker resolves it on a phone --------------------------
  const worker = await newPage(PHONE);
  await loginAs(worker, env('WORKER_USER'), orderPath);
  check(await worker.locator('a[href^="/party/decisions/"]').count() === 1,
    'the order links back to its meeting');
  await worker.locator('form[data-action="accept"] button[type="submit"]').click();
  await worker.waitForURL(`${BASE}${orderPath}?done=accept`);
  await worker.locator('form[data-action="start"] button[type="submit"]').click();
  await worker.waitForURL(`${BASE}${orderPath}?done=start`);
  await worker.getByLabel('办理结果（必填）').fill('已更换门禁读卡器，楼组长确认');
  await worker.locator('form[data-action="resolve"] button[type="submit"]').click();
  await worker.waitForURL(`${BASE}${orderPath}?done=resolve`);
  check(/已办结/.test(await worker.locator('.order-head').innerText()), 'resolved on the phone');
  check(await overflow(worker) <= 0, 'the order page fits 360 px');
  await shot(worker, 'party-order-phone');

  // ---- The meeting page follows without a reload -----------------------
  await settle(sec, () => !!document.querySelector('#progress [data-stage="done"]'), null, 15000);
  check(await sec.locator('#progress [data-stage="done"]').count() === 1,
    'the meeting page shows the decision done, live');
  check(/100%/.test(await sec.locator('#progress').innerText()),
    'and its done rate with it (100%)');
  await shot(sec, 'party-meeting-done');

  // The same page on a phone, and in English.
  const phone = await newPage(PHONE);
  await loginAs(phone, env('SECRETARY_USER'), `/party/meetings/${env('MEETING_ID')}`);
  check(await overflow(phone) <= 0, 'the meeting page fits 360 px');
  await shot(phone, 'party-meeting-phone');
  await phone.goto(`${meeting}?lang=en`);
  const en = phone;
  check(/How the decisions stand/.test(await en.locator('main').innerText()), 'in English too');
});
