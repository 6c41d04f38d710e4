import { DESKTOP, PHONE, check, env, start } from './harness.mjs';
const { base: BASE, newPage, shot, loginAs, run } = await start({ screenshots: '/tmp/shots17' });
await run(async () => {
  const op = await newPage();
  await loginAs(op, 'operator1', '/assess');
  await op.click('#periods a >> nth=0');
  await shot(op, 'b1-top', false);
  await op.locator('#definitions').scrollIntoViewIfNeeded();
  await op.screenshot({ path: '/tmp/shots17/b2-defs.png' });
  await op.locator('#appeals').scrollIntoViewIfNeeded();
  await op.screenshot({ path: '/tmp/shots17/b3-appeals.png' });
  await op.locator('table.ranking[data-kind="secretary"] a').first().click();
  await shot(op, 'b4-subject-top', false);
  await op.locator('#counted').scrollIntoViewIfNeeded();
  await op.screenshot({ path: '/tmp/shots17/b5-subject-orders.png' });
});
