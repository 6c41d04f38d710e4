// The 三缘 branches in Chromium, on the demo street: the secretary opens
// the demo's preference round and types a paper form (ranking a branch
// twice is refused with the reason first); a member opens their own form
// link on a phone, without logging in, and sends it (a tampered link
// opens nothing); the secretary closes the round and confirms the
// assignment, and the members stand in their new branches. Then the
// demo's committee election: a void round (more ballots back than
// issued), the further round (另行选举), the secretary's and deputy's
// rounds, the committee seated, and the result sheet (计票结果报告单)
// printed to PDF.
//
// Env: BASE_URL, SHEQU_PASSWORD, SECRETARY_USER; SCREENSHOT_DIR.

import { join } from 'node:path';
import { PHONE, check, env, start } from './harness.mjs';

const { base: BASE, shots, newPage, shot, loginAs, run } = await start();

const overflow = (page) =>
  page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

await run(async () => {
  // ---- the round -------------------------------------------------------
  const sec = await newPage();
  await loginAs(sec, env('SECRETARY_USER'), '/branches');
  const roundLink = sec.locator('a[href^="/branches/rounds/"]').first();
  check(await roundLink.count() === 1, 'the demo round is listed');
  await roundLink.click();
  await sec.waitForURL(/\/branches\/rounds\/\d+$/);
  const roundUrl = sec.url();
  check(await sec.locator('#assignment tbody tr').count() > 0,
    'the open round previews its assignment');
  check(/第一志愿/.test(await sec.locator('.figures').last().innerText()),
    'the rank counts are shown');
  await shot(sec, 'branches-round-open');

  // A paper form ranking one branch twice, then right.
  const paper = sec.locator('#paper');
  const codes = await paper.locator('#p-choice1 option').evaluateAll(
    (os) => os.map((o) => o.value).filter((v) => v));
  check(codes.length >= 3, `the round offers ${codes.length} branches`);
  const members = await paper.locator('#p-person option').evaluateAll(
    (os) => os.map((o) => ({ id: o.value, label: o.textContent })));
  const who = members[0];
  await paper.locator('#p-person').selectOption(who.id);
  await paper.locator('#p-choice1').selectOption(codes[0]);
  await paper.locator('#p-choice2').selectOption(codes[0]);
  await paper.locator('button[type="submit"]').click();
  await sec.locator('.notice-error').waitFor();
  check(/同一支部填报了两次/.test(await sec.locator('.notice-error').innerText()),
    'ranking a branch twice is refused with the reason');
  await sec.goto(roundUrl);
  await paper.locator('#p-person').selectOption(who.id);
  await paper.locator('#p-choice1').selectOption(codes[1]);
  await paper.locator('#p-choice2').selectOption(codes[2]);
  await paper.locator('button[type="submit"]').click();
  await sec.waitForURL(roundUrl);
  const whoName = who.label.split(' · ')[0];
  const whoRow = sec.locator('#members tbody tr', { hasText: whoName }).first();
  check(/（纸质）|\(paper\)/.test(await whoRow.innerText()), 'the paper form is in, marked as paper');

  // A member's own form, on a phone, from the link the secretary sends.
  const link = await sec.locator('#members a[href^="/branches/form/"]').last().getAttribute('href');
  const phone = await newPage(PHONE);
  const tampered = await phone.request.get(`${BASE}${link.slice(0, -2)}xx`);
  check(tampered.status() === 404 && /填报链接无效/.test(await tampered.text()),
    'a tampered link opens no form, and says to ask for the link again');
  await phone.goto(`${BASE}${link}`);
  check(/请填报您的支部志愿/.test(await phone.locator('main').innerText()), 'the member sees their own form');
  check(await overflow(phone) <= 0, 'the form fits a 360-px phone');
  await phone.locator('#c1').selectOption(codes[2]);
  await phone.locator('#c2').selectOption(codes[0]);
  await phone.locator('#c3').selectOption('');
  await phone.locator('button[type="submit"]').click();
  await phone.locator('#sent').waitFor();
  check((await phone.locator('#sent li').count()) === 2, 'the member\'s two choices are in');
  await shot(phone, 'branches-own-form-phone');

  // Close, confirm; the members now stand in their branches.
  await sec.goto(roundUrl);
  await sec.locator('form[action$="/step/close"] button').click();
  await sec.waitForURL(roundUrl);
  check(/已截止/.test(await sec.locator('main').innerText()), 'the round is closed');
  await sec.locator('form[action$="/step/confirm"] button').click();
  await sec.waitForURL(roundUrl);
  const text = await sec.locator('main').innerText();
  check(/已确认的分配/.test(text), 'the assignment is confirmed');
  const nowIn = await sec.locator('#members tbody tr td:nth-child(3)').allInnerTexts();
  const offered = await sec.locator('#offers tbody tr td:first-child').allInnerTexts();
  const inBranch = nowIn.filter((n) => offered.some((o) => o.includes(n.trim()))).length;
  check(inBranch === nowIn.length, `every member now stands in an offered branch (${inBranch}/${nowIn.length})`);
  await shot(sec, 'branches-round-confirmed');

  // ---- the election ------------------------------------------------------
  await sec.goto(`${BASE}/branches/elections`);
  await sec.locator('a[href^="/branches/elections/"]').first().click();
  await sec.waitForURL(/\/branches\/elections\/\d+$/);
  const electionUrl = sec.url();
  check(await sec.locator('#round-1').count() === 1, 'the first round is shown, counted from its ballots');
  const next = sec.locator('#next');
  check(/另行选举/.test(await next.innerText()), 'a further round comes next');
  const candidates = await next.locator('.candidate').allInnerTexts();
  check(candidates.length >= 2, `the further round has ${candidates.length} candidates`);
  const entitled = await next.locator('#r-entitled').inputValue();

  // More ballots back than issued: the round is held and void.
  await next.locator('#r-present').fill(entitled);
  await next.locator('#r-issued').fill('2');
  await next.locator('#r-ballots').fill(`${candidates[0]}\n${candidates[0]}\n${candidates[1]}`);
  await next.locator('button[type="submit"]').click();
  await sec.waitForURL(electionUrl);
  check(/本轮选举无效/.test(await sec.locator('#round-2').innerText()), 'over-issued ballots void the round');

  // The further round again, properly: the first candidate wins.
  const n = Number(entitled);
  const ballots = Array.from({ length: n }, (_, i) => (i < n - 1 ? candidates[0] : candidates[1]));
  await next.locator('#r-present').fill(String(n));
  await next.locator('#r-issued').fill(String(n));
  await next.locator('#r-ballots').fill(ballots.join('\n'));
  await next.locator('button[type="submit"]').click();
  await sec.waitForURL(electionUrl);
  const committee = await sec.locator('#standing .member').allInnerTexts();
  check(committee.length === 3 && committee.includes(candidates[0]),
    `the committee is full: ${committee.join('、')}`);
  check(/选举书记/.test(await next.innerText()), 'the committee elects its secretary next');

  // The committee of three elects its secretary, then its deputy.
  for (const [pick, other] of [[committee[1], committee[0]], [committee[2], committee[0]]]) {
    await next.locator('#r-entitled').fill('3');
    await next.locator('#r-present').fill('3');
    await next.locator('#r-issued').fill('3');
    await next.locator('#r-ballots').fill(`${pick}\n${pick}\n${other}`);
    await next.locator('button[type="submit"]').click();
    await sec.waitForURL(electionUrl);
  }
  const standing = await sec.locator('#standing').innerText();
  check(standing.includes(`书记: ${committee[1]}`) || standing.includes(`书记：${committee[1]}`) || standing.includes(committee[1]),
    'the secretary is chosen');
  check(/副书记: \S/.test(standing), 'the deputy is chosen');
  await shot(sec, 'branches-election');

  // The result sheet, printed.
  await sec.goto(`${electionUrl}/sheet`);
  check(/计票结果报告单/.test(await sec.locator('#sheet').innerText()), 'the result sheet is in Chinese');
  check(await sec.locator('.sheet-round').count() === 5, 'the sheet lists the five rounds');
  await sec.emulateMedia({ media: 'print' });
  check(!(await sec.locator('header.top').isVisible()), 'the print leaves the navigation out');
  await sec.pdf({ path: join(shots, 'branches-sheet.pdf'), format: 'A4' });
  await shot(sec, 'branches-sheet');
  await sec.emulateMedia({ media: 'screen' });

  // Seat the committee on the branch.
  await sec.goto(electionUrl);
  await sec.locator('form[action$="/seat"] button').click();
  await sec.waitForURL(/\/party\/orgs\//);
  check((await sec.locator('main').innerText()).includes(committee[1]), 'the branch page shows the new secretary');
});
