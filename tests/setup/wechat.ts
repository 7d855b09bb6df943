/** WeChat message shapes the tests post through the simulator. */

/**
 * A WeChat native 接龙 (app message type 53): the text as shown, and the XML whose
 * `solitaire_info` names each row's author by wxid, with `start-length` ranges into the title.
 */
export function wechatSolitaire(header: string, rowsIn: readonly { wxid: string; text: string }[]): { title: string; xml: string } {
  const head = `${header}#接龙`;
  let title = `${head}\n`;
  const items: string[] = [];
  rowsIn.forEach((r, i) => {
    const prefix = `\n${i + 1}. `;
    const start = title.length + prefix.length;
    title += `${prefix}${r.text}`;
    items.push(`<i><u>${r.wxid}</u><h>0</h><s>.</s><t>${1772409600 + i * 60}</t><r>${start}-${r.text.length}</r></i>`);
  });
  const info =
    `<solitaire><tt>0-${head.length}</tt><s>.</s><au>${rowsIn[0]?.wxid ?? ''}</au><hrt>1</hrt><loss>0</loss>` +
    `<content><s>${rowsIn.length}</s>${items.join('')}</content></solitaire>`;
  const xml =
    '<?xml version="1.0"?>\n<msg>\n\t<appmsg appid="" sdkver="0">\n' +
    `\t\t<title>${title}</title>\n\t\t<des />\n\t\t<type>53</type>\n` +
    `\t\t<extinfo>\n\t\t\t<solitaire_info><![CDATA[${info}]]></solitaire_info>\n\t\t</extinfo>\n` +
    '\t</appmsg>\n\t<fromusername>wxid_x</fromusername>\n\t<scene>0</scene>\n</msg>\n';
  return { title, xml };
}

