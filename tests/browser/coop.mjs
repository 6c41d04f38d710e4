// Regional cooperation in Chromium, on the demo street: the secretary
// raises a need (a window that ends before it starts is refused first,
// the form kept), sees the resources ranked for it with the reasons in
// words, confirms the best as a project, steps it to done and rates it
// (a rating before done is not offered; done releases the commitment).
// Then volunteering: the secretary plans an activity starting now for
// their neighbourhood's team, a registered member opens their own link
// on a phone, signs up and checks in (a second check-in is refused), and
// the hours stand on the member's 双报到 record. The year's project list
// shows the need met.
//
// Env: BASE_URL, SHEQU_PASSWORD, SECRETARY_USER; SCREENSHOT_DIR.

import { PHONE, check, env, start } from './harness.mjs';

const { base: BASE, newPage, shot, loginAs, run } = await start();

const overflow = (page) =>
  page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/// `2026-12-03T09:05` in the street's zone (Asia/Shanghai, the demo's)
/// for `ms` from now.
const local = (ms) => new Date(Date.now() + ms)
  .toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' })
  .slice(0, 16)
  .replace(' ', 'T');

await run(async () => {
  const sec = await newPage();
  await loginAs(sec, env('SECRETARY_USER'), '/places');
  const place = (await sec.locator('a[href^="/places/"]').nth(1).innerText()).trim();
  check(place.length > 0, `a place of the secretary's area: ${place}`);

  // ---- a need, refused once, then raised ---------------------------------
  await sec.goto(`${BASE}/coop/needs`);
  const year = new Date().getFullYear();
  const title = `测试独居老人上门体检${Date.now() % 100000}`;
  await sec.fill('#n-title', title);
  await sec.selectOption('#n-category', 'health_visits');
  await sec.fill('#n-place', place);
  await sec.fill('#n-raised', '田林一村居委会');
  await sec.fill('#n-count', '30');
  await sec.fill('#n-wanted', '4');
  await sec.fill('#n-start', `${year}-06-30`);
  await sec.fill('#n-end', `${year}-03-01`);
  await sec.click('#raise ~ form button[type=submit]');
  check(/结束日期早于开始日期/.test(await sec.locator('.notice-error').innerText()),
    'a window that ends before it starts is refused, in Chinese');
  check(await sec.inputValue('#n-title') === title, 'the refused form keeps what was typed');
  await sec.fill('#n-start', `${year}-01-01`);
  await sec.fill('#n-end', `${year}-12-31`);
  await sec.click('#raise ~ form button[type=submit]');
  await sec.waitForURL(/\/coop\/needs\/\d+$/);
  const needUrl = sec.url();
  const matches = sec.locator('li.match');
  check(await matches.count() > 0, 'resources are ranked for the need');
  const why = await matches.first().locator('.explain').innerText();
  check(/步行约/.test(why) && /剩余/.test(why), `the best match says why: ${why}`);
  await shot(sec, 'coop-need-matches');

  // ---- confirmed, stepped, rated -----------------------------------------
  await matches.first().locator('button[type=submit]').click();
  await sec.waitForURL(/\/coop\/projects\/\d+$/);
  check(/提议/.test(await sec.locator('#project-status').innerText()), 'the project starts proposed');
  check(await sec.locator('select[name=rating]').count() === 0, 'no rating before it is done');
  for (const step of ['已与单位商定', '开始实施', '完成']) {
    await sec.getByRole('button', { name: step }).click();
    await sec.waitForLoadState('load');
  }
  check(/已完成/.test(await sec.locator('#project-status').innerText()), 'the project is done');
  await sec.selectOption('select[name=rating]', '5');
  await sec.getByRole('button', { name: '评分' }).click();
  await sec.waitForLoadState('load');
  check(/5 \/ 5/.test(await sec.locator('#project-rating').innerText()), 'the rating stands');
  const trail = await sec.locator('ol.trail').innerText();
  check(/提议/.test(trail) && /完成/.test(trail) && /评分/.test(trail), 'the trail keeps every step');
  await shot(sec, 'coop-project-done');

  // ---- volunteering ------------------------------------------------------
  await sec.goto(`${BASE}/coop/teams`);
  await sec.locator('a[href^="/coop/teams/"]').first().click();
  await sec.waitForURL(/\/coop\/teams\/\d+$/);
  const teamUrl = sec.url();
  const activity = `测试义诊${Date.now() % 100000}`;
  await sec.fill('#a-title', activity);
  await sec.fill('#a-place', place);
  await sec.fill('#a-start', local(-10 * 60 * 1000));
  await sec.fill('#a-end', local(110 * 60 * 1000));
  await sec.fill('#a-cap', '20');
  await sec.getByRole('button', { name: '发布' }).click();
  await sec.waitForURL(/\/coop\/activities\/\d+$/);
  const activityId = sec.url().split('/').pop();
  await sec.goto(teamUrl);
  const links = await sec.locator('a.volunteer-link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  check(links.length > 0, `the team's members have their own links (${links.length})`);

  // A registered member: their page says the hours go on their record.
  const phone = await newPage(PHONE);
  let mine = null;
  for (const link of links) {
    await phone.goto(`${BASE}${link}`);
    if (await phone.getByText('同时记入您的双报到记录').count() > 0) { mine = link; break; }
  }
  check(mine !== null, 'one of the members is a registered party member');
  const name = (await phone.locator('#volunteer p').first().innerText()).replace(/，您好$/, '');
  const card = phone.locator('section.activity', { hasText: activity });
  await card.getByRole('button', { name: '报名' }).click();
  await phone.waitForLoadState('load');
  await phone.locator('section.activity', { hasText: activity }).getByRole('button', { name: '签到' }).click();
  await phone.waitForLoadState('load');
  const done = await phone.locator('section.activity', { hasText: activity }).innerText();
  check(/已签到：记2\.0小时/.test(done), `checked in, the activity's two hours credited: ${done}`);
  check(await overflow(phone) <= 0, 'the volunteer page fits a 360-px phone');
  await shot(phone, 'coop-volunteer-phone');
  const again = await phone.request.post(`${BASE}${mine}/checkin/${activityId}`, { maxRedirects: 0 });
  check(again.status() >= 400, `a second check-in is refused (${again.status()})`);
  const tampered = await phone.request.get(`${BASE}${mine.slice(0, -2)}xx`);
  check(tampered.status() === 404, 'a tampered link opens nothing');

  // The hours on the member's 双报到 record.
  await sec.goto(`${BASE}/party/registrations`);
  const row = sec.locator('tr', { hasText: name }).first();
  await row.locator('a[href^="/party/registrations/"]').click();
  await sec.waitForURL(/\/party\/registrations\/\d+/);
  const record = await sec.locator('main').innerText();
  check(record.includes(`志愿服务：${activity}`), `the hours stand on ${name}'s 双报到 record`);
  await shot(sec, 'coop-registration-hours');

  // ---- the year's list ---------------------------------------------------
  await sec.goto(`${BASE}/coop?year=${year}`);
  const line = sec.locator('#year-list tr', { hasText: title });
  check(/已完成/.test(await line.innerText()), "the year's list shows the need met by a done project");
  check(await sec.locator('#year-list form button').count() > 0, 'other needs can still be picked');
  await shot(sec, 'coop-year');
  await sec.goto(needUrl);
  check(/已完成/.test(await sec.locator('main').innerText()), "the need's page lists its project");
});
