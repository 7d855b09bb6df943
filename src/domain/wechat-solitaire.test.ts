import { describe, expect, it } from 'vitest';
import { parseWechatSolitaire } from './wechat-solitaire.js';

// Fixtures follow the shape of real WeChat type-53 messages: the full text in <title>, and in
// <extinfo><solitaire_info> a CDATA <solitaire> whose rows carry the author's wxid (<u>) and a
// `start-length` range (<r>) into the title, or the text itself (<c>). Names and ids are made up.

function appmsg(inner: string, prefix = ''): string {
  return `${prefix}<?xml version="1.0"?>\n<msg>\n\t<appmsg appid="" sdkver="0">\n${inner}\n\t</appmsg>\n\t<fromusername>wxid_monitor01</fromusername>\n\t<scene>0</scene>\n</msg>\n`;
}

const NOTICE_TITLE = [
  '关于周五消防演练的通知#接龙',
  '请各班班长收到后回复',
  '例 张三 收到',
  '',
  '1. 王小明 收到👍',
  '2. 李华 收到，已转达',
  '3. 赵敏 收到',
  '',
  '请于今晚8点前完成',
].join('\n');

const NOTICE = appmsg(
  [
    `\t\t<title>${NOTICE_TITLE}</title>`,
    '\t\t<des />',
    '\t\t<type>53</type>',
    '\t\t<appattach>\n\t\t\t<cdnthumbaeskey />\n\t\t\t<aeskey></aeskey>\n\t\t</appattach>',
    '\t\t<extinfo>',
    '\t\t\t<solitaire_info><![CDATA[<solitaire><tt>0-25</tt><ex>26-7</ex><tl>70-9</tl><s>.</s><au>wxid_teacher01</au><hrt>1</hrt><loss>0</loss>' +
      '<content><s>3</s>' +
      '<i><u>wxid_wangxm</u><h>0</h><s>.</s><t>1717041000</t><r>38-8</r></i>' +
      '<i><u>wxid_lihua</u><h>0</h><s>.</s><t>1717041060</t><r>50-9</r></i>' +
      '<i><u>wxid_zhaomin</u><h>0</h><s>.</s><t>1717041120</t><r>63-5</r></i>' +
      '</content></solitaire>]]></solitaire_info>',
    '\t\t</extinfo>',
  ].join('\n'),
);

describe('parseWechatSolitaire', () => {
  it('reads the header and each row with its author from solitaire_info', () => {
    expect(parseWechatSolitaire(NOTICE)).toEqual({
      title: '关于周五消防演练的通知#接龙\n请各班班长收到后回复',
      entries: [
        { index: 1, text: '王小明 收到👍', userId: 'wxid_wangxm' },
        { index: 2, text: '李华 收到，已转达', userId: 'wxid_lihua' },
        { index: 3, text: '赵敏 收到', userId: 'wxid_zhaomin' },
      ],
    });
  });

  it('accepts the sender prefix a group message carries', () => {
    expect(parseWechatSolitaire(`wxid_wangxm:\n${NOTICE}`)?.entries).toHaveLength(3);
  });

  it('falls back to the numbered lines of the title without solitaire_info', () => {
    const xml = appmsg(`\t\t<title>${NOTICE_TITLE}</title>\n\t\t<action>view</action>\n\t\t<type>53</type>`);
    expect(parseWechatSolitaire(xml)).toEqual({
      title: '关于周五消防演练的通知#接龙\n请各班班长收到后回复\n例 张三 收到',
      entries: [
        { index: 1, text: '王小明 收到👍' },
        { index: 2, text: '李华 收到，已转达' },
        { index: 3, text: '赵敏 收到' },
      ],
    });
  });

  it('takes the last run numbered from 1 as the list and keeps continuation lines in their row', () => {
    const title = '#接龙\n\n8.7\n\n1. 值日安排\n2. 陈晨-周一\n带好扫把\n3、刘洋-周二';
    const xml = appmsg(`<title>${title}</title><type>53</type>`);
    expect(parseWechatSolitaire(xml)).toEqual({
      title: '#接龙\n\n8.7',
      entries: [
        { index: 1, text: '值日安排' },
        { index: 2, text: '陈晨-周一\n带好扫把' },
        { index: 3, text: '刘洋-周二' },
      ],
    });
  });

  it('decodes entities in the title before applying ranges, and prefers a literal <c>', () => {
    const title = '&lt;重要&gt; 返校安排 &amp; 注意事项#接龙\n\n1. 孙悦 &#25910;到\n2. 周杰 &#x6536;到';
    const xml = appmsg(
      `<title>${title}</title><des></des><type>53</type><extinfo><solitaire_info><![CDATA[` +
        '<solitaire><tt>0-19</tt><s>.</s><au>wxid_teacher02</au><hrt>1</hrt><loss>0</loss><content><s>2</s>' +
        '<i><u>wxid_sunyue</u><h>0</h><s>.</s><t>1717042000</t><c>孙悦 &amp; 家长 收到</c></i>' +
        '<i><u>wxid_zhoujie</u><h>0</h><s>.</s><t>1717042060</t><r>33-5</r></i>' +
        '</content></solitaire>]]></solitaire_info></extinfo>',
    );
    expect(parseWechatSolitaire(xml)).toEqual({
      title: '<重要> 返校安排 & 注意事项#接龙',
      entries: [
        { index: 1, text: '孙悦 & 家长 收到', userId: 'wxid_sunyue' },
        { index: 2, text: '周杰 收到', userId: 'wxid_zhoujie' },
      ],
    });
  });

  it('reads a CDATA title and a solitaire_info written as escaped text', () => {
    const xml = appmsg(
      '<title><![CDATA[<重要> 返校安排 & 注意事项#接龙\n\n1. 孙悦 收到\n2. 周杰 收到]]></title><type>53</type>' +
        '<extinfo><solitaire_info>&lt;solitaire&gt;&lt;tt&gt;0-19&lt;/tt&gt;&lt;content&gt;&lt;s&gt;2&lt;/s&gt;' +
        '&lt;i&gt;&lt;u&gt;wxid_sunyue&lt;/u&gt;&lt;h&gt;0&lt;/h&gt;&lt;r&gt;24-5&lt;/r&gt;&lt;/i&gt;' +
        '&lt;i&gt;&lt;u&gt;wxid_zhoujie&lt;/u&gt;&lt;h&gt;0&lt;/h&gt;&lt;r&gt;33-5&lt;/r&gt;&lt;/i&gt;' +
        '&lt;/content&gt;&lt;/solitaire&gt;</solitaire_info></extinfo>',
    );
    expect(parseWechatSolitaire(xml)).toEqual({
      title: '<重要> 返校安排 & 注意事项#接龙',
      entries: [
        { index: 1, text: '孙悦 收到', userId: 'wxid_sunyue' },
        { index: 2, text: '周杰 收到', userId: 'wxid_zhoujie' },
      ],
    });
  });

  it('reads a whole message escaped once as entities', () => {
    const escaped = NOTICE.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;');
    expect(parseWechatSolitaire(escaped)?.entries.map((e) => e.userId)).toEqual(['wxid_wangxm', 'wxid_lihua', 'wxid_zhaomin']);
  });

  it('treats a header row (hrt 0, h 1) as the title, not an entry', () => {
    const xml = appmsg(
      '<title>1. 周三班会签到\n2. 陈晨 到\n3. 刘洋 到</title><type>53</type><extinfo><solitaire_info><![CDATA[' +
        '<solitaire><tt></tt><s>.</s><au>wxid_monitor01</au><hrt>0</hrt><loss>0</loss><content><s>3</s>' +
        '<i><u>wxid_monitor01</u><h>1</h><s>.</s><t>1717043000</t><r>3-6</r></i>' +
        '<i><u>wxid_chenchen</u><h>0</h><s>.</s><t>1717043060</t><r>13-4</r></i>' +
        '<i><u>wxid_liuyang</u><h>0</h><s>.</s><t>1717043120</t><r>21-4</r></i>' +
        '</content></solitaire>]]></solitaire_info></extinfo>',
    );
    expect(parseWechatSolitaire(xml)).toEqual({
      title: '周三班会签到',
      entries: [
        { index: 2, text: '陈晨 到', userId: 'wxid_chenchen' },
        { index: 3, text: '刘洋 到', userId: 'wxid_liuyang' },
      ],
    });
  });

  it('uses the numbered line when a row range does not fit the title, and omits an empty author', () => {
    const xml = appmsg(
      '<title>通知#接龙\n\n1. 王小明 收到\n2. 李华 收到</title><type>53</type><extinfo><solitaire_info><![CDATA[' +
        '<solitaire><tt>通知#接龙</tt><content><s>2</s>' +
        '<i><u>wxid_wangxm</u><h>0</h><r>900-5</r></i>' +
        '<i><u></u><h>0</h><r>oops</r></i>' +
        '</content></solitaire>]]></solitaire_info></extinfo>',
    );
    expect(parseWechatSolitaire(xml)).toEqual({
      title: '通知#接龙',
      entries: [
        { index: 1, text: '王小明 收到', userId: 'wxid_wangxm' },
        { index: 2, text: '李华 收到' },
      ],
    });
  });

  it('returns a solitaire without entries when nobody has joined yet', () => {
    expect(parseWechatSolitaire(appmsg('<title>周末值班#接龙</title><type>53</type>'))).toEqual({ title: '周末值班#接龙', entries: [] });
  });

  it('returns null for app messages of another type', () => {
    expect(parseWechatSolitaire(appmsg('<title>1. 王小明 收到</title><des>链接</des><type>5</type><url>https://example.com/</url>'))).toBeNull();
    expect(parseWechatSolitaire(appmsg('<title>pat</title><type>62</type>'))).toBeNull();
  });

  it('does not take a nested <type> (a quoted message) for the app message type', () => {
    const quote = appmsg('<title>收到</title><type>57</type><refermsg><type>53</type><svrid>1</svrid><content>1. 王小明 收到</content></refermsg>');
    expect(parseWechatSolitaire(quote)).toBeNull();
  });

  it('returns null for garbage and malformed XML', () => {
    for (const input of [
      '',
      '收到',
      '[CQ:face,id=76]',
      '{"type":53}',
      '<msg></msg>',
      '<msg><appmsg><title>未闭合<type>53</type></msg>',
      '<msg><appmsg><title>1. a</title><type>53</type></appmsg>',
      '<msg><appmsg><title>a < b</title><type>53</type></appmsg></msg>',
      '<msg><appmsg><title><![CDATA[x</title><type>53</type></appmsg></msg>',
      '<type>53</type>',
    ]) {
      expect(parseWechatSolitaire(input), input).toBeNull();
    }
  });
});
