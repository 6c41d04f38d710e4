// The 15-minute circle in Chromium, on the demo street: the street's
// operator reads every facility type's coverage over the demo's walking
// network, picks a type and sees the buildings outside its threshold on
// the map, asks where k new sites would reach the most residents (each
// step's gain no larger than the one before: greedy), refuses a threshold
// that is no distance, narrows one and sees its coverage fall, and puts it
// back; a grid worker on a phone sees the page for their own area without
// the street's form.
//
// Env: BASE_URL, SHEQU_PASSWORD; SCREENSHOT_DIR.

import { DESKTOP, PHONE, check, start } from './harness.mjs';

const { base: BASE, newPage, shot, loginAs, run } = await start();

/// The covered residents of a type's row, as `covered/total`.
async function covered(page, type) {
  const cell = page.locator(`#types tr[data-type="${type}"] td`).nth(3);
  const m = (await cell.textContent()).match(/(\d+)\/(\d+)/);
  check(m !== null, `the ${type} row shows covered/total`);
  return [Number(m[1]), Number(m[2])];
}

await run(async () => {
  const op = await newPage(DESKTOP);
  await loginAs(op, 'operator1', '/circle');
  check((await op.locator('#types tbody tr').count()) === 8, 'eight facility types');
  check((await op.locator('#network').textContent()).includes('步行网络'), 'computed over the walking network');
  await shot(op, 'circle-1-street');

  // ---- one type: the map and where next -----------------------------------
  await op.locator('#types a[href="/circle?type=elderly_canteen"]').click();
  check((await op.locator('#chosen').textContent()).includes('助餐'), 'the canteens chosen');
  const outside = await op.locator('figure.circle-map circle.circle-out').count();
  const inside = await op.locator('figure.circle-map circle.circle-in').count();
  check(outside + inside > 0, `the buildings drawn: ${inside} within, ${outside} outside`);
  check((await op.locator('#neighbourhoods tbody tr').count()) > 1, 'each neighbourhood has its shares');
  await op.locator('input[name="k"]').fill('3');
  await op.locator('select[name="who"]').selectOption('all');
  await op.getByRole('button', { name: '计算' }).click();
  const steps = await op.locator('#suggestions li').allTextContents();
  if (outside > 0) {
    check(steps.length >= 1 && steps.length <= 3, `where next answers up to 3 sites: ${steps.length}`);
    const gains = steps.map((s) => Number(s.match(/(\d+)\s*\u2069?\s*名/)[1]));
    check(gains[0] > 0, `the first site reaches residents outside: ${gains[0]}`);
    check(
      gains.every((g, i) => i === 0 || g <= gains[i - 1]),
      `each step gains no more than the one before: ${gains.join(', ')}`,
    );
    check(
      (await op.locator('figure.circle-map circle.circle-next').count()) === steps.length,
      'each suggested site drawn on the map',
    );
  }
  await shot(op, 'circle-2-where-next');

  // ---- the street's threshold ------------------------------------------------
  const metres = op.locator('form[action="/circle/thresholds"] input[name="metres"]');
  const before = await metres.inputValue();
  const [coveredBefore] = await covered(op, 'elderly_canteen');
  await metres.fill('远');
  await op.getByRole('button', { name: '保存' }).click();
  check(await op.locator('.notice-error').isVisible(), 'a threshold that is no distance is refused');
  await op.locator('form[action="/circle/thresholds"] input[name="metres"]').fill('100');
  await op.getByRole('button', { name: '保存' }).click();
  const [coveredNarrow] = await covered(op, 'elderly_canteen');
  check(coveredNarrow < coveredBefore, `narrowed to 100 m: ${coveredBefore} → ${coveredNarrow} covered`);
  await op.locator('form[action="/circle/thresholds"] input[name="metres"]').fill(before);
  await op.getByRole('button', { name: '保存' }).click();
  const [coveredAgain] = await covered(op, 'elderly_canteen');
  check(coveredAgain === coveredBefore, 'put back, the coverage is as it was');

  // ---- a grid worker on a phone ------------------------------------------------
  const gw = await newPage(PHONE);
  await loginAs(gw, 'grid001', '/circle');
  check((await gw.locator('#types tbody tr').count()) === 8, 'the grid worker sees the types');
  check((await gw.locator('form[action="/circle/thresholds"]').count()) === 0, 'but not the street’s form');
  const [, mine] = await covered(gw, 'elderly_canteen');
  const [, all] = await covered(op, 'elderly_canteen');
  check(mine > 0 && mine < all, `only their own area's residents: ${mine} of the street's ${all}`);
  check(
    (await gw.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 1,
    'the page fits a phone',
  );
  await shot(gw, 'circle-3-grid-phone');
});
