// Assessment in Chromium, on the demo street: a grid worker on a phone
// opens their own assessment of this quarter and appeals an order that
// counts against them (a blank reason is refused first, the page kept);
// the street's operator sees the appeal waiting, refuses to decide it
// without a reason, accepts it, and the worker's row in the ranking
// changes (one order fewer, another score); the order's trail records
// the decision; the operator closes the quarter, after which the
// worker's page offers no appeal and says the scores are frozen; the
// period exports as XLSX and prints.
//
// Env: BASE_URL, SHEQU_PASSWORD; SCREENSHOT_DIR.

import { PHONE, check, start } from './harness.mjs';

const { base: BASE, newPage, shot, loginAs, run } = await start();

const OPEN = '进行中';

await run(async () => {
  // ---- a grid worker with an order that counts against them ------------
  let g = null;
  let orderId = null;
  for (let k = 1; k <= 40 && !g; k++) {
    const user = `grid${String(k).padStart(3, '0')}`;
    const page = await newPage(PHONE);
    await loginAs(page, user, '/assess');
    const mine = page.locator('#periods tr').filter({ hasText: OPEN }).locator('a.mine');
    if ((await mine.count()) > 0) {
      await mine.first().click();
      const against = page
        .locator('#counted tr[data-order]')
        .filter({ has: page.locator('span.tag.bad, span.tag.warn') })
        .filter({ has: page.locator('details') });
      if ((await against.count()) > 0) {
        g = page;
        orderId = await against.first().getAttribute('data-order');
        console.log(`# ${user} appeals order ${orderId}`);
        break;
      }
    }
    await page.context().close();
  }
  check(g !== null, 'a grid worker has an order of this quarter that counts against them');
  const subjectPath = new URL(g.url()).pathname;
  const subjectId = subjectPath.split('/').pop();
  check(
    (await g.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 1,
    'the subject page fits a phone',
  );
  await shot(g, 'assess-1-subject-phone');

  const row = () => g.locator(`#counted tr[data-order="${orderId}"]`);
  await row().locator('summary').click();
  await row().locator('input[name="reason"]').fill('   ');
  await row().getByRole('button', { name: '提交申诉' }).click();
  check(await g.locator('.notice-error').isVisible(), 'an appeal without a reason is refused on the page');
  await row().locator('summary').click();
  await row().locator('select[name="ground"]').selectOption('wrongly_routed');
  await row().locator('input[name="reason"]').fill('地址在隔壁网格，系派单错误');
  await row().getByRole('button', { name: '提交申诉' }).click();
  await g.waitForURL(`${BASE}${subjectPath}`);
  check((await row().innerText()).includes('已申诉'), 'the order shows as appealed');
  await shot(g, 'assess-2-appealed-phone');

  // ---- the street decides ------------------------------------------------
  const op = await newPage();
  await loginAs(op, 'operator1', '/assess');
  await op.locator('#periods tr').filter({ hasText: OPEN }).locator('a').first().click();
  const periodPath = new URL(op.url()).pathname;
  const ranked = () => op.locator(`table.ranking tr[data-subject="${subjectId}"]`);
  const standing = async () => ({
    score: (await ranked().locator('td.score').innerText()).trim(),
    orders: Number((await ranked().locator('td').nth(3).innerText()).trim()),
    rank: (await ranked().locator('td.rank').innerText()).trim(),
  });
  const before = await standing();
  const appeal = () => op.locator('li.appeal.pending').filter({ has: op.locator(`a[href="/orders/${orderId}"]`) });
  check((await appeal().count()) === 1, 'the appeal waits for the street');
  await appeal().locator('input[name="reason"]').fill(' ');
  await appeal().getByRole('button', { name: '采纳' }).click();
  check(await op.locator('.notice-error').isVisible(), 'a decision without a reason is refused');
  await appeal().locator('input[name="reason"]').fill('经核实，点位在相邻网格');
  await appeal().getByRole('button', { name: '采纳' }).click();
  await op.waitForURL(`${BASE}${periodPath}#appeals`);
  const after = await standing();
  check(after.orders === before.orders - 1, `one order fewer counted: ${before.orders} → ${after.orders}`);
  check(after.score !== before.score, `the score changes: ${before.score} → ${after.score} (rank ${before.rank} → ${after.rank})`);
  await ranked().scrollIntoViewIfNeeded();
  await op.screenshot({ path: `${process.env.SCREENSHOT_DIR || 'screenshots'}/assess-3-ranking.png` });

  await op.goto(`${BASE}/orders/${orderId}`);
  check((await op.getByText('考核申诉已采纳').count()) > 0, "the decision is on the order's trail");

  // ---- closing ------------------------------------------------------------
  await op.goto(`${BASE}${periodPath}`);
  await op.getByRole('button', { name: '结束并冻结得分' }).click();
  await op.waitForURL(`${BASE}${periodPath}`);
  check((await op.locator('#period-state').innerText()).includes('已结束'), 'the quarter is closed');
  check((await op.getByRole('button', { name: '结束并冻结得分' }).count()) === 0, 'and cannot be closed again from the page');
  await shot(op, 'assess-4-closed');
  await g.goto(`${BASE}${subjectPath}`);
  check((await g.locator('#counted details').count()) === 0, 'no appeal once the quarter is closed');
  check((await g.locator('body').innerText()).includes('得分已于结束时冻结'), 'the worker is told the scores are frozen');

  const xlsx = await op.request.get(`${BASE}${periodPath}/export.xlsx`);
  check(
    xlsx.status() === 200 && (xlsx.headers()['content-type'] || '').includes('spreadsheetml'),
    'the period exports as XLSX',
  );
  await op.goto(`${BASE}${periodPath}/print`);
  check((await op.locator('.sheet table.ranking').count()) > 0, 'the printable ranking');
  await shot(op, 'assess-5-print');
});
