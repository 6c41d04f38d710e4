import { DESKTOP, PHONE, check, env, start } from './harness.mjs';
const { base: BASE, newPage, shot, loginAs, run } = await start({ screenshots: '/tmp/shots17' });
await run(async () => {
  const op = await newPage();
  await loginAs(op, 'operator1', '/assess');
  await shot(op, 'a1-periods');
  await op.click('#periods a >> nth=0');
  await shot(op, 'a2-period-open');
  const subj = op.locator('table.ranking a').first();
  await subj.click();
  await shot(op, 'a3-subject');
  await op.goto(`${BASE}/assess`);
  await op.click('#periods a >> nth=1');
  await shot(op, 'a4-period-closed');
  const grid = await newPage(PHONE);
  await loginAs(grid, 'grid001', '/assess');
  await grid.click('#periods a >> nth=0');
  await shot(grid, 'a5-grid-phone-period');
});
