// 征询·会商·会签 in Chromium, on the demo street: the housing office's
// renovation waits for the street past its deadline, flagged on the
// command centre's wall screen; the office's member, on a phone, attaches
// the scheme (a file that is no document refused first, the page kept);
// the operator's disagreement without reasons is refused, the answer with
// its conditions taken, and the flag is gone; the office records it did
// not follow; the street's year record shows the answer late and the
// matter not followed, and the office's assessment counts it, traced to
// the matter. In English on a laptop the navigation keeps to one line.
//
// Env: BASE_URL, SHEQU_PASSWORD; SCREENSHOT_DIR.

import { DESKTOP, PHONE, WALL, check, start } from './harness.mjs';

const { base: BASE, newPage, shot, loginAs, run } = await start();

const MATTER = '田林十二村旧住房综合改造';
const DEPARTMENT = '房管办';

await run(async () => {
  // ---- flagged to the street --------------------------------------------
  const op = await newPage(WALL);
  await loginAs(op, 'operator1', '/command');
  const flag = op.locator('a.consult-overdue');
  check(await flag.isVisible(), 'the overdue round is flagged on the command centre');
  check((await flag.textContent()).includes('1'), 'one round past its deadline');
  check(
    (await op.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 1,
    'the flag keeps the wall screen one screen wide',
  );
  await shot(op, 'consult-1-flag-wall', false);
  await flag.click();
  await op.waitForURL('**/consult');
  const first = op.locator('#matters tbody tr').first();
  check(
    (await first.textContent()).includes(MATTER) && (await first.getAttribute('class')).includes('overdue'),
    'the overdue matter is listed first, marked',
  );

  // ---- the department attaches its papers ---------------------------------
  const dept = await newPage(PHONE);
  await loginAs(dept, 'cadre3', '/consult');
  await dept.getByRole('link', { name: MATTER }).click();
  const matterUrl = dept.url();
  await dept.setInputFiles('input[name="document"]', {
    name: '改造方案.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('MZ\x90\x00 an executable, not a PDF'),
  });
  await dept.getByRole('button', { name: '上传' }).click();
  check(await dept.locator('.notice-error').isVisible(), 'a file that is no document is refused');
  check((await dept.locator('.notice-error').textContent()).includes('PDF'), 'and says what is taken');
  await shot(dept, 'consult-2-refused-phone');
  const pdf = '%PDF-1.4\n% 改造范围与施工期安排\n%%EOF\n';
  await dept.setInputFiles('input[name="document"]', {
    name: '改造方案.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from(pdf),
  });
  await dept.getByRole('button', { name: '上传' }).click();
  const doc = dept.locator('ul.documents a', { hasText: '改造方案.pdf' });
  check(await doc.isVisible(), 'the document is listed on its round');
  check(
    (await dept.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 1,
    'the matter page fits a phone',
  );
  await shot(dept, 'consult-3-attached-phone');
  const href = await doc.getAttribute('href');
  const got = await op.request.get(new URL(href, BASE).href);
  check(got.status() === 200, 'the street opens the document');
  check(got.headers()['content-type'] === 'application/pdf', 'as a PDF');
  check((await got.text()) === pdf, 'the bytes as attached');

  // ---- the street answers ---------------------------------------------------
  await op.goto(matterUrl);
  await op.locator('select[name="opinion"]').selectOption('disagree');
  await op.getByRole('button', { name: '答复' }).click();
  check(await op.locator('.notice-error').isVisible(), 'a disagreement without reasons is refused');
  await op.locator('select[name="opinion"]').selectOption('agree_with_conditions');
  await op.locator('input[name="reasons"]').fill('分批施工，高考期间停工');
  await op.getByRole('button', { name: '答复' }).click();
  check(
    (await op.locator('#rounds li').first().textContent()).includes('分批施工'),
    'the answer and its conditions stand on the round',
  );
  await op.goto(new URL('/command', BASE).href);
  check((await op.locator('a.consult-overdue').count()) === 0, 'answered: the flag is gone');

  // ---- the department records what it did -------------------------------------
  await dept.goto(matterUrl);
  await dept.locator('select[name="outcome"]').selectOption('not_followed');
  await dept.locator('input[name="note"]').fill('施工单位工期已定');
  await dept.getByRole('button', { name: '记录结果' }).click();
  check((await dept.locator('#outcome').textContent()).includes('未采纳'), 'the outcome stands');
  check((await dept.locator('input[name="document"]').count()) === 0, 'nothing more is attached');

  // ---- the record and the assessment ------------------------------------------
  await op.goto(new URL('/consult', BASE).href);
  const record = op.locator('#records tr', { hasText: DEPARTMENT });
  const cells = await record.locator('td').allTextContents();
  check(cells[1].includes('0/1'), `answered late: ${cells[1]}`);
  check(cells[2].includes('0/1'), `not followed: ${cells[2]}`);
  await shot(op, 'consult-4-record');
  await op.goto(new URL('/assess', BASE).href);
  await op.locator('#periods tr', { hasText: '进行中' }).locator('a').first().click();
  await op.getByRole('link', { name: DEPARTMENT }).first().click();
  const traced = op.locator('#consultations li', { hasText: MATTER });
  check(await traced.isVisible(), "the matter is counted in the office's assessment");
  const row = op.locator('#arithmetic tr', { hasText: '征询采纳率' });
  check((await row.textContent()).includes('0/1'), 'its consultations followed: none of one');
  await shot(op, 'consult-5-assessment');

  // ---- in English, the navigation still keeps to one line on a laptop ----
  const en = await newPage(DESKTOP);
  await loginAs(en, 'operator1', '/command');
  await en.getByRole('link', { name: 'English' }).click();
  const [navHeight, itemHeight] = await en.evaluate(() => [
    document.querySelector('.main-nav ul').offsetHeight,
    document.querySelector('.main-nav li').offsetHeight,
  ]);
  check(navHeight < 1.5 * itemHeight, `the English navigation on one line at 1280 px: ${navHeight} vs ${itemHeight}`);
});
